//! Fault injection for the rollback tests of automatic creation: makes one step of the
//! creation of a named connection fail. Reachable only from Rust code holding the
//! `AppState` (the tests); no route, flag or environment variable sets it, so a served
//! instance never has a fault armed.

use keyless_model::devops::automatic::Step;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<HashMap<String, Step>>>);

impl Faults {
    /// The next automatic creation of a connection named `connection` (any case) fails at
    /// `step`; the fault stays armed until [`Faults::clear`].
    pub fn inject(&self, connection: &str, step: Step) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(connection.to_lowercase(), step);
        }
    }
    pub fn clear(&self) {
        if let Ok(mut m) = self.0.lock() {
            m.clear();
        }
    }
    pub fn armed(&self, connection: &str, step: Step) -> bool {
        self.0
            .lock()
            .map(|m| m.get(&connection.to_lowercase()) == Some(&step))
            .unwrap_or(false)
    }
}

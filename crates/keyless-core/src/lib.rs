//! What every plane shares and nothing plane-specific: the application state, who calls
//! (PATs, bearer tokens, directory access), the error envelopes, the audit log, the grant
//! cache, the key ring, the clock, application credentials, RBAC context, and the names of
//! the resources tokens are issued for. Plane crates (`keyless-entra`, `keyless-graph`,
//! `keyless-arm`, `keyless-devops`) depend on this crate and never on each other.
#![forbid(unsafe_code)]

pub mod access;
pub mod audit;
pub mod auth;
pub mod bearer;
pub mod cache;
pub mod clock;
pub mod credentials;
pub mod envelope;
pub mod faults;
pub mod keyring;
pub mod names;
pub mod rbac;
pub mod req;
pub mod resources;
pub mod state;
pub mod view;

pub use state::AppState;

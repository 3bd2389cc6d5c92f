//! Rows of the console's sign-in sessions.

use crate::ConsoleSession;
use keyless_model::UnixTime;

rows! {
    ConsoleSessionRow => ConsoleSession in "console_sessions" {
        id_hash: String,
        user_name: String,
        sealed: Vec<u8>,
        created_at: UnixTime,
        seen_at: UnixTime,
    }
}

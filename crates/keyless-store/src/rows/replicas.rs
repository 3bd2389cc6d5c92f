//! Rows of the serving processes.

use crate::Replica;
use keyless_model::UnixTime;

rows! {
    ReplicaRow => Replica in "replicas" {
        id: String as uuid,
        version: String,
        started_at: UnixTime,
        seen_at: UnixTime,
    }
}

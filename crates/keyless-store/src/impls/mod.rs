//! The trait implementations, written once per aggregate and stamped for both backends by
//! [`for_each_backend!`]: each copy is compiled against its own driver, so a bind or decode
//! that one dialect cannot handle fails to build rather than at run time.
//!
//! Inside the stamped items, `Backend` names the store type (`SqliteStore` or `PgStore`);
//! `self.0` is its pool. The few operations whose SQL differs (beginning a write
//! transaction, locking a parent's credentials) are inherent methods of each backend in
//! `sqlite.rs` / `postgres.rs`. SQL placeholders are `$1, $2…`, which both drivers accept.

use crate::{StoreError, StoreResult};

/// Stamps the given items once with `Backend = SqliteStore` and once with `Backend = PgStore`.
/// Defined before the `mod` lines below so that it is in (textual) scope in every one.
macro_rules! for_each_backend {
    ($($item:item)*) => {
        const _: () = {
            use $crate::sqlite::SqliteStore as Backend;
            $($item)*
        };
        const _: () = {
            use $crate::postgres::PgStore as Backend;
            $($item)*
        };
    };
}
mod app_owners;
mod arm;
mod audit;
mod connection_security;
mod credentials;
mod devops;
mod directory;
mod identities;
mod keys;
mod management;
mod pipeline_security;
mod resources;
mod roles;

/// An update or delete that touched no row means the object does not exist.
fn found(rows_affected: u64) -> StoreResult<()> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

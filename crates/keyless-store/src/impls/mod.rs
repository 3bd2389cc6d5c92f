//! The trait implementations, written once per aggregate and stamped for both backends by
//! [`for_each_backend!`]: each copy is compiled against its own driver, so a bind or decode
//! that one dialect cannot handle fails to build rather than at run time.
//!
//! Each item is stamped four times: for the pooled store and for its unit of work (`uow`),
//! on each backend. Inside the stamped items, `Backend` names the type (`SqliteStore`,
//! `SqliteTx`, `PgStore` or `PgTx`) and `Dialect` the backend's store type. A statement runs
//! on `&mut *self.conn().await?` (a pooled connection, or the unit of work's transaction);
//! several statements that must hold together run on `self.begin_write()` (a transaction
//! of their own, or a savepoint inside the unit of work). The few operations whose SQL
//! differs (beginning a write transaction, locking a parent's credentials) are inherent
//! methods of each backend in `sqlite.rs` / `postgres.rs`, called through `Dialect`. SQL
//! placeholders are `$1, $2…`, which both drivers accept.

use crate::{StoreError, StoreResult};

/// Stamps the given items once with `Backend = SqliteStore` and once with `Backend = PgStore`.
/// Defined before the `mod` lines below so that it is in (textual) scope in every one.
macro_rules! for_each_backend {
    ($($item:item)*) => {
        const _: () = {
            use $crate::sqlite::SqliteStore as Backend;
            #[allow(unused_imports)]
            use $crate::sqlite::SqliteStore as Dialect;
            $($item)*
        };
        const _: () = {
            use $crate::sqlite::SqliteTx as Backend;
            #[allow(unused_imports)]
            use $crate::sqlite::SqliteStore as Dialect;
            $($item)*
        };
        const _: () = {
            use $crate::postgres::PgStore as Backend;
            #[allow(unused_imports)]
            use $crate::postgres::PgStore as Dialect;
            $($item)*
        };
        const _: () = {
            use $crate::postgres::PgTx as Backend;
            #[allow(unused_imports)]
            use $crate::postgres::PgStore as Dialect;
            $($item)*
        };
    };
}
/// Runs a decoding query on `$store`'s connection with the given binds and converts the one
/// row it must find (`NotFound` when there is none).
macro_rules! fetch_one {
    ($store:expr, $row:ty, $sql:expr $(, $bind:expr)* $(,)?) => {
        $crate::rows::one(
            sqlx::query_as::<_, $row>($sql)
                $(.bind($bind))*
                .fetch_optional(&mut *$store.conn().await?)
                .await
                .map_err($crate::errors::db_err)?,
        )
    };
}

/// Runs a decoding query on `$store`'s connection with the given binds and converts every row.
macro_rules! fetch_all {
    ($store:expr, $row:ty, $sql:expr $(, $bind:expr)* $(,)?) => {
        $crate::rows::all(
            sqlx::query_as::<_, $row>($sql)
                $(.bind($bind))*
                .fetch_all(&mut *$store.conn().await?)
                .await
                .map_err($crate::errors::db_err)?,
        )
    };
}

/// Runs a statement on `$store`'s connection with the given binds; the number of rows it
/// affected.
macro_rules! execute {
    ($store:expr, $sql:expr $(, $bind:expr)* $(,)?) => {
        sqlx::query($sql)
            $(.bind($bind))*
            .execute(&mut *$store.conn().await?)
            .await
            .map_err($crate::errors::db_err)?
            .rows_affected()
    };
}

/// Runs `sqlx::$query($sql)` with the given binds on `$store`'s connection through `$fetch`
/// (`fetch_all`, `fetch_optional` or `fetch_one`); the driver's result, errors converted.
macro_rules! fetch {
    ($store:expr, $query:ident, $fetch:ident, $sql:expr $(, $bind:expr)* $(,)?) => {
        sqlx::$query($sql)
            $(.bind($bind))*
            .$fetch(&mut *$store.conn().await?)
            .await
            .map_err($crate::errors::db_err)
    };
}

mod app_owners;
mod arm;
mod audit;
mod cascade;
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

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

/// Stamps the given items four times, `Backend` being `SqliteStore`, `SqliteTx`, `PgStore` and
/// `PgTx` (`Dialect` the backend's store type). Defined before the `mod` lines below so that
/// it is in (textual) scope in every one.
macro_rules! for_each_backend {
    (@stamp $module:ident, $backend:ident, $dialect:ident; $($item:item)*) => {
        const _: () = {
            use $crate::$module::$backend as Backend;
            #[allow(unused_imports)]
            use $crate::$module::$dialect as Dialect;
            $($item)*
        };
    };
    ($($item:item)*) => {
        for_each_backend!(@stamp sqlite, SqliteStore, SqliteStore; $($item)*);
        for_each_backend!(@stamp sqlite, SqliteTx, SqliteStore; $($item)*);
        for_each_backend!(@stamp postgres, PgStore, PgStore; $($item)*);
        for_each_backend!(@stamp postgres, PgTx, PgStore; $($item)*);
    };
}

/// Defines `$name!("…")`: the query `$select` followed by the given text, as one literal (the
/// argument of `sqlx::query*`). `$d` is a `$` token, for the inner macro's own metavariable.
// rustfmt re-indents the inner macro's body on every run (the `$d` token): kept by hand.
#[rustfmt::skip]
macro_rules! select {
    ($d:tt $name:ident = $select:literal) => {
        macro_rules! $name {
            ($d rest:literal) => {
                concat!($select, $d rest)
            };
        }
    };
}

/// What a statement runs on: `self`, the store's connection (pooled, or the unit of work's
/// transaction); `in tx`, the write transaction `tx`.
macro_rules! on {
    (in $tx:ident) => {
        &mut *$tx
    };
    ($store:ident) => {
        &mut *$store.conn().await?
    };
}

/// Runs a decoding query with the given binds [`on!`] `self` or `in tx` and converts the one
/// row it must find (`NotFound` when there is none).
macro_rules! fetch_one {
    ($($on:ident)+, $row:ty, $sql:expr $(, $bind:expr)* $(,)?) => {
        $crate::rows::one(fetch!($($on)+, query_as::<_, $row>, fetch_optional, $sql $(, $bind)*)?)
    };
}

/// Runs a decoding query with the given binds [`on!`] `self` or `in tx` and converts every row.
macro_rules! fetch_all {
    ($($on:ident)+, $row:ty, $sql:expr $(, $bind:expr)* $(,)?) => {
        $crate::rows::all(fetch!($($on)+, query_as::<_, $row>, fetch_all, $sql $(, $bind)*)?)
    };
}

/// Runs a statement with the given binds [`on!`] `self` or `in tx`; the number of rows it
/// affected.
macro_rules! execute {
    ($($on:ident)+, $sql:expr $(, $bind:expr)* $(,)?) => {
        fetch!($($on)+, query, execute, $sql $(, $bind)*)?.rows_affected()
    };
}

/// Runs `sqlx::$query($sql)` with the given binds [`on!`] `self` or `in tx` through `$fetch`
/// (`fetch_all`, `fetch_optional`, `fetch_one` or `execute`): the driver's result, its error
/// converted.
macro_rules! fetch {
    (
        $($on:ident)+,
        $($query:ident)::+$(::<$($t:ty),+>)?,
        $fetch:ident,
        $sql:expr
        $(, $bind:expr)* $(,)?
    ) => {
        sqlx::$($query)::+$(::<$($t),+>)?($sql)
            $(.bind($bind))*
            .$fetch(on!($($on)+))
            .await
            .map_err($crate::errors::db_err)
    };
}

/// Fails with the conflict `$rule` when the count that the query `$sql` returns (with the given
/// binds, in the write transaction `$tx`) is `$limit` or more.
macro_rules! refuse_from_count {
    ($limit:expr, $rule:expr, in $tx:ident, $sql:expr $(, $bind:expr)* $(,)?) => {
        let count: i64 = fetch!(in $tx, query_scalar, fetch_one, $sql $(, $bind)*)?;
        if count >= $limit {
            return Err($crate::StoreError::Conflict($rule));
        }
    };
}

/// Deletes an object in one write transaction: first its dependents (`$dependents`, each
/// statement binding `$key` as `$1`), then the object itself (`$itself`), `NotFound` when it
/// is not there.
macro_rules! cascade_delete {
    ($store:expr, $dependents:expr, $itself:expr, $key:expr $(,)?) => {
        cascade_delete!($store, $dependents, $itself, $key, refuse: [])
    };
    // `refuse`: `(rule, sql)` pairs checked first, in the same transaction: the delete fails
    // with the conflict `rule` when `sql` (binding `$key` as `$1`) counts one row or more.
    ($store:expr, $dependents:expr, $itself:expr, $key:expr, refuse: [$(($rule:expr, $check:expr)),* $(,)?] $(,)?) => {{
        let key: String = $key;
        let mut tx = $store.begin_write().await?;
        $(refuse_from_count!(1, $rule, in tx, $check, key.as_str());)*
        for &sql in $dependents {
            sqlx::query(sql)
                .bind(key.as_str())
                .execute(&mut *tx)
                .await
                .map_err($crate::errors::db_err)?;
        }
        super::found(
            sqlx::query($itself)
                .bind(key.as_str())
                .execute(&mut *tx)
                .await
                .map_err($crate::errors::db_err)?
                .rows_affected(),
        )?;
        tx.commit().await.map_err($crate::errors::db_err)
    }};
}

mod agents;
mod app_owners;
mod arm;
mod audit;
mod cascade;
mod connection_security;
mod console_sessions;
mod credentials;
mod devops;
mod directory;
mod identities;
mod keys;
mod management;
mod organization;
mod pipeline_security;
mod replicas;
mod resources;
mod roles;
mod runs;

/// An update or delete that touched no row means the object does not exist.
fn found(rows_affected: u64) -> StoreResult<()> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

//! The unit of work: several writes, across aggregates, committed together or not at all.
//!
//! [`Transactional::begin`] opens one database transaction and returns it as a
//! [`UnitOfWork`], which implements every aggregate trait of the store: the same methods,
//! with the same rules and errors, run inside that transaction. [`UnitOfWork::commit`] makes
//! the writes visible; dropping the unit of work without committing rolls them back.
//!
//! What it guarantees:
//! - reads inside the unit of work see its own writes; nobody else sees them before the
//!   commit (SQLite: readers see the last committed state of the file; PostgreSQL: read
//!   committed isolation);
//! - SQLite: the transaction starts with `BEGIN IMMEDIATE`, so it holds the database's write
//!   lock from the start: other writers wait (up to the 5 s busy timeout) until it ends, and
//!   "read, then write" inside it cannot be invalidated by another writer. Keep it short;
//! - PostgreSQL: the locks a store method takes (advisory locks of a credential parent or of
//!   a signing-key owner, the management-group hierarchy) are held until the unit of work
//!   ends. After a statement failed, PostgreSQL refuses every further statement of the
//!   transaction: on either backend, treat an error as the end of the unit of work and drop
//!   it (the store methods that run several statements are atomic on their own, see below);
//! - a store method that runs several statements (a cascade delete, "count, then insert"
//!   of a federated credential…) runs inside the unit of work under a savepoint: when it
//!   fails, none of its statements stays, and the earlier writes of the unit of work do;
//! - the change feed ([`crate::changes`]): on PostgreSQL the notifications of the watched
//!   tables are delivered at commit and dropped on rollback. On SQLite the update hook
//!   announces each row as it is written, before the commit; the unit of work announces a
//!   change once more when it ends (commit or rollback), so no cached copy read while it
//!   was open outlives it. A rollback thus costs at most a spurious invalidation.
//!
//! While a unit of work is open, do every read and write of the request through it, not
//! through the shared store: on SQLite another write through the pool waits for this
//! transaction's lock, and an in-memory database has a single connection.

use crate::changes::ChangeFeed;
use crate::{Aggregates, StoreResult};
use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::{Database, Transaction};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};

/// Writes across aggregates in one transaction; see the module documentation.
#[async_trait]
pub trait UnitOfWork: Aggregates {
    /// Makes every write of the unit of work visible, atomically.
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// What opens a [`UnitOfWork`].
#[async_trait]
pub trait Transactional {
    /// Opens a transaction (SQLite: `BEGIN IMMEDIATE`, waiting for the write lock).
    async fn begin(&self) -> StoreResult<Box<dyn UnitOfWork>>;
}

/// Declares `$tx`, the unit of work of the backend store `$store` (a tuple of its pool and its
/// change feed) on database `$db`, with the connections the stamped trait implementations run
/// on (see `impls`): `conn` for one statement, `begin_write` for several (a transaction of
/// their own, or a savepoint inside the unit of work). The store's inherent
/// `transaction` method opens its write transactions.
macro_rules! unit_of_work {
    ($store:ident, $tx:ident, $db:ty) => {
        /// A unit of work on this backend (see `uow`).
        pub(crate) struct $tx($crate::uow::TxCore<$db>);

        #[async_trait::async_trait]
        impl $crate::uow::Transactional for $store {
            async fn begin(&self) -> $crate::StoreResult<Box<dyn $crate::uow::UnitOfWork>> {
                let tx = self.transaction().await?;
                Ok(Box::new($tx($crate::uow::TxCore::new(tx, self.1.clone()))))
            }
        }

        #[async_trait::async_trait]
        impl $crate::uow::UnitOfWork for $tx {
            async fn commit(self: Box<Self>) -> $crate::StoreResult<()> {
                self.0.commit().await.map_err($crate::errors::db_err)
            }
        }

        impl $tx {
            /// The unit of work's transaction, for one statement.
            pub(crate) async fn conn(&self) -> $crate::StoreResult<$crate::uow::Handle<'_, $db>> {
                self.0.handle().await.map_err($crate::errors::db_err)
            }

            /// A savepoint inside the unit of work.
            pub(crate) async fn begin_write(
                &self,
            ) -> $crate::StoreResult<$crate::uow::Write<'_, $db>> {
                self.0.step().await.map_err($crate::errors::db_err)
            }
        }

        impl $store {
            /// A pooled connection, for one statement.
            pub(crate) async fn conn(&self) -> $crate::StoreResult<$crate::uow::Handle<'_, $db>> {
                Ok($crate::uow::Handle::Pooled(
                    self.0.acquire().await.map_err($crate::errors::db_err)?,
                ))
            }

            /// A write transaction of its own.
            pub(crate) async fn begin_write(
                &self,
            ) -> $crate::StoreResult<$crate::uow::Write<'_, $db>> {
                Ok($crate::uow::Write::Own(self.transaction().await?))
            }
        }
    };
}
pub(crate) use unit_of_work;

/// An open unit of work of either backend: its transaction, behind a lock because the store
/// traits take `&self`, and the change feed to announce its end on.
pub(crate) struct TxCore<DB: Database> {
    state: Mutex<TxState<DB>>,
    announce: AnnounceEnd,
}

/// Announces a change on the feed when the unit of work ends, committed or rolled back
/// (dropped after the transaction, whose own drop queues the rollback); see the module
/// documentation.
struct AnnounceEnd(Arc<ChangeFeed>);

impl Drop for AnnounceEnd {
    fn drop(&mut self) {
        self.0.changed();
    }
}

pub(crate) struct TxState<DB: Database> {
    tx: Transaction<'static, DB>,
    /// A multi-statement method ended without releasing its savepoint (it failed, or its
    /// future was dropped): the savepoint is rolled back before the next statement.
    step_abandoned: bool,
}

impl<DB: Database> TxCore<DB> {
    pub(crate) fn new(tx: Transaction<'static, DB>, feed: Arc<ChangeFeed>) -> Self {
        TxCore {
            state: Mutex::new(TxState {
                tx,
                step_abandoned: false,
            }),
            announce: AnnounceEnd(feed),
        }
    }
}

/// The connection one statement of a store method runs on: a pooled connection, or the
/// transaction of a unit of work (held locked until the statement ends).
pub(crate) enum Handle<'a, DB: Database> {
    Pooled(PoolConnection<DB>),
    Tx(MutexGuard<'a, TxState<DB>>),
}

impl<DB: Database> Deref for Handle<'_, DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        match self {
            Handle::Pooled(c) => c,
            Handle::Tx(g) => &g.tx,
        }
    }
}

impl<DB: Database> DerefMut for Handle<'_, DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        match self {
            Handle::Pooled(c) => c,
            Handle::Tx(g) => &mut g.tx,
        }
    }
}

/// The transaction of a multi-statement store method: its own transaction on the pool, or a
/// savepoint inside a unit of work. Dropping it without [`Write::commit`] undoes its writes.
pub(crate) enum Write<'a, DB: Database> {
    Own(Transaction<'static, DB>),
    Step(Step<'a, DB>),
}

pub(crate) struct Step<'a, DB: Database> {
    guard: MutexGuard<'a, TxState<DB>>,
    released: bool,
}

impl<'a, DB: Database> Step<'a, DB> {
    /// `guard` must have just run `SAVEPOINT keyless_step`. One step at a time: it holds the
    /// transaction's lock until it ends.
    fn new(guard: MutexGuard<'a, TxState<DB>>) -> Self {
        Step {
            guard,
            released: false,
        }
    }
}

impl<DB: Database> Drop for Step<'_, DB> {
    fn drop(&mut self) {
        if !self.released {
            self.guard.step_abandoned = true;
        }
    }
}

impl<DB: Database> Write<'_, DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Write::Own(tx) => tx.commit().await,
            Write::Step(mut s) => {
                sqlx::raw_sql("RELEASE SAVEPOINT keyless_step")
                    .execute(&mut *s.guard.tx)
                    .await?;
                s.released = true;
                Ok(())
            }
        }
    }
}

impl<DB: Database> Deref for Write<'_, DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        match self {
            Write::Own(t) => t,
            Write::Step(s) => &s.guard.tx,
        }
    }
}

impl<DB: Database> DerefMut for Write<'_, DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        match self {
            Write::Own(t) => t,
            Write::Step(s) => &mut s.guard.tx,
        }
    }
}

impl<DB: Database> TxCore<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    /// The transaction, locked, with an abandoned step rolled back.
    async fn settled(&self) -> Result<MutexGuard<'_, TxState<DB>>, sqlx::Error> {
        let mut g = self.state.lock().await;
        if g.step_abandoned {
            sqlx::raw_sql("ROLLBACK TO SAVEPOINT keyless_step; RELEASE SAVEPOINT keyless_step")
                .execute(&mut *g.tx)
                .await?;
            g.step_abandoned = false;
        }
        Ok(g)
    }

    pub(crate) async fn handle(&self) -> Result<Handle<'_, DB>, sqlx::Error> {
        Ok(Handle::Tx(self.settled().await?))
    }

    pub(crate) async fn step(&self) -> Result<Write<'_, DB>, sqlx::Error> {
        let mut g = self.settled().await?;
        sqlx::raw_sql("SAVEPOINT keyless_step")
            .execute(&mut *g.tx)
            .await?;
        Ok(Write::Step(Step::new(g)))
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        drop(self.settled().await?);
        let TxCore { state, announce } = self;
        let r = state.into_inner().tx.commit().await;
        drop(announce);
        r
    }
}

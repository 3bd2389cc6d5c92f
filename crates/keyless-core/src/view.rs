//! A plane's narrow view of the store.
//!
//! Each plane crate declares, with [`store_view!`], the aggregate traits it reads and
//! writes; its handlers reach the store only through `s.db()`, which offers exactly those
//! traits. The whole store ([`AppState::shared_store`](crate::state::AppState::shared_store))
//! is for this shared layer and the composition root; each plane's `clippy.toml` forbids
//! the call.

#[doc(hidden)]
pub use keyless_model::audit::AuditEntry;
#[doc(hidden)]
pub use keyless_store as store;

/// Declares a plane's view of the store:
///
/// ```ignore
/// keyless_core::store_view!(
///     /// What the ARM plane stores and reads.
///     ArmData: ArmStore, ManagementStore, AuditStore
/// );
/// ```
///
/// expands to the trait `ArmData` (implemented by the shared store and by a unit of work)
/// and the crate-private extension `Db` of the application state: `s.db()`, the store as
/// an `impl ArmData`, and `s.begin()`, a unit of work `Tx` whose `data()` is one too.
#[macro_export]
macro_rules! store_view {
    ($(#[$doc:meta])* $view:ident: $($store:path),+ $(,)?) => {
        $(#[$doc])*
        pub trait $view: $($store +)+ Send + Sync {}
        impl<T: $($store +)+ Send + Sync + ?Sized> $view for T {}

        /// The application state's store, seen through this crate's view.
        pub(crate) trait Db {
            fn db(&self) -> &(impl $view + ?Sized);
            /// Opens a unit of work, seen through this crate's view.
            async fn begin(&self) -> $crate::view::store::StoreResult<Tx>;
        }

        impl Db for $crate::state::AppState {
            #[allow(clippy::disallowed_methods)]
            fn db(&self) -> &(impl $view + ?Sized) {
                &**self.shared_store()
            }
            #[allow(clippy::disallowed_methods)]
            async fn begin(&self) -> $crate::view::store::StoreResult<Tx> {
                Ok(Tx($crate::view::store::Transactional::begin(&**self.shared_store()).await?))
            }
        }

        /// Runs `write` in a unit of work and commits it with `entry` appended to the audit
        /// log in the same transaction: an acknowledged change always has its entry, even
        /// after a crash, and a change rolled back leaves none.
        #[allow(dead_code)]
        pub(crate) async fn audited<T, E>(
            s: &$crate::state::AppState,
            entry: $crate::view::AuditEntry,
            write: impl AsyncFnOnce(&Tx) -> Result<T, E>,
        ) -> Result<T, E>
        where
            E: From<$crate::view::store::StoreError>,
        {
            let tx = Db::begin(s).await?;
            let out = write(&tx).await?;
            tx.commit_audited(&[entry]).await?;
            Ok(out)
        }

        /// A unit of work (see `keyless_store::uow`) seen through this crate's view:
        /// dropped without [`Tx::commit`], its writes are rolled back.
        pub(crate) struct Tx(Box<dyn $crate::view::store::UnitOfWork>);

        impl Tx {
            pub(crate) fn data(&self) -> &(impl $view + ?Sized) {
                &*self.0
            }
            pub(crate) async fn commit(self) -> $crate::view::store::StoreResult<()> {
                self.0.commit().await
            }
            /// Appends `entries` to the audit log inside the unit of work, then commits:
            /// the change and the entries that record it are durable together or not at all.
            pub(crate) async fn commit_audited(
                self,
                entries: &[$crate::view::AuditEntry],
            ) -> $crate::view::store::StoreResult<()> {
                $crate::view::store::AuditStore::append_audit(&*self.0, entries).await?;
                self.0.commit().await
            }
        }
    };
}

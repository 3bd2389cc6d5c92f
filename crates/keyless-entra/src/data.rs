//! This plane's view of the store.

pub(crate) use keyless_store::{DevopsStore, DirectoryStore};

keyless_core::store_view!(
    /// What the token service reads beyond the grant cache.
    EntraData:
        DirectoryStore,
        DevopsStore,
);

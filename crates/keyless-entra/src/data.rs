//! This plane's view of the store.

pub(crate) use keyless_store::{AgentStore, ArmStore, DevopsStore, DirectoryStore};

keyless_core::store_view!(
    /// What the token service reads beyond the grant cache; the managed identity endpoints
    /// also read agents and the identities of their VMs.
    EntraData:
        DirectoryStore,
        DevopsStore,
        AgentStore,
        ArmStore,
);

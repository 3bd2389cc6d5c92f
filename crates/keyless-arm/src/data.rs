//! This plane's view of the store.

pub(crate) use keyless_store::{ArmStore, CredentialStore, DirectoryStore, ManagementStore};

keyless_core::store_view!(
    /// What the ARM plane stores and reads: subscriptions, resources and role assignments,
    /// management groups, and the directory objects that managed identities are.
    ArmData:
        ArmStore,
        ManagementStore,
        DirectoryStore,
        CredentialStore,
);

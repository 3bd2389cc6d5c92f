//! This plane's view of the store.

pub(crate) use keyless_store::{
    ApplicationOwnerStore, CredentialStore, DirectoryRoleStore, DirectoryStore,
};

keyless_core::store_view!(
    /// What the Graph plane stores and reads: the directory, its credentials, owners and roles.
    GraphData:
        DirectoryStore,
        CredentialStore,
        ApplicationOwnerStore,
        DirectoryRoleStore,
);

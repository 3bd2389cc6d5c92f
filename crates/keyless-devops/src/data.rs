//! This plane's view of the store.

pub(crate) use keyless_store::{
    AgentStore, ArmStore, AuditStore, ConnectionSecurityStore, CredentialStore, DevopsStore,
    DirectoryStore, ManagementStore, OrganizationIdentityStore, OrganizationPeopleStore,
    PipelineSecurityStore, RunStore,
};

keyless_core::store_view!(
    /// What the DevOps plane stores and reads: organizations, projects, connections and their
    /// security, and (for automatic creation and checks) the directory, credentials and role
    /// assignments.
    DevopsData:
        DevopsStore,
        ConnectionSecurityStore,
        PipelineSecurityStore,
        RunStore,
        AgentStore,
        OrganizationIdentityStore,
        OrganizationPeopleStore,
        DirectoryStore,
        CredentialStore,
        ArmStore,
        ManagementStore,
        AuditStore,
);

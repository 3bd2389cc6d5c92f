//! Built-in role definitions with Azure's real ids and permissions.

use super::RoleDefinition;
use crate::Uuid;

const fn id(s: &str) -> Uuid {
    match Uuid::try_parse(s) {
        Ok(u) => u,
        Err(_) => panic!("bad built-in role id"),
    }
}

pub const OWNER: Uuid = id("8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
pub const CONTRIBUTOR: Uuid = id("b24988ac-6180-42a0-ab88-20f7382dd24c");
pub const READER: Uuid = id("acdd72a7-3385-48ef-bd42-f606fba81ae7");
pub const USER_ACCESS_ADMINISTRATOR: Uuid = id("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9");

/// The given actions followed by those that Azure's managed identity roles end with: reading
/// authorization, resource groups and deployments, alert rules, and support requests.
macro_rules! with_reads_and_support {
    ($($action:literal),* $(,)?) => {
        [
            $($action,)*
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Support/*",
        ]
    };
}

pub static BUILT_IN_ROLES: &[RoleDefinition] = &[
    RoleDefinition {
        id: OWNER,
        name: "Owner",
        description: "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        actions: &["*"],
        not_actions: &[],
    },
    RoleDefinition {
        id: CONTRIBUTOR,
        name: "Contributor",
        description: "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
        actions: &["*"],
        not_actions: &[
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ],
    },
    RoleDefinition {
        id: READER,
        name: "Reader",
        description: "View all resources, but does not allow you to make any changes.",
        actions: &["*/read"],
        not_actions: &[],
    },
    RoleDefinition {
        id: USER_ACCESS_ADMINISTRATOR,
        name: "User Access Administrator",
        description: "Lets you manage user access to Azure resources.",
        actions: &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
        not_actions: &[],
    },
    RoleDefinition {
        id: id("f58310d9-a9f6-439a-9e8d-f62e7b41a168"),
        name: "Role Based Access Control Administrator",
        description: "Manage access to Azure resources by assigning roles using Azure RBAC.",
        actions: &[
            "Microsoft.Authorization/roleAssignments/write",
            "Microsoft.Authorization/roleAssignments/delete",
            "*/read",
            "Microsoft.Support/*",
        ],
        not_actions: &[],
    },
    RoleDefinition {
        id: id("f1a07417-d97a-45cb-824c-7a7467783830"),
        name: "Managed Identity Operator",
        description: "Read and Assign User Assigned Identity",
        actions: &with_reads_and_support![
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
        ],
        not_actions: &[],
    },
    RoleDefinition {
        id: id("e40ec5ca-96e0-45a2-b4ff-59039f2c2b59"),
        name: "Managed Identity Contributor",
        description: "Create, Read, Update, and Delete User Assigned Identity",
        actions: &with_reads_and_support![
            "Microsoft.ManagedIdentity/userAssignedIdentities/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/write",
            "Microsoft.ManagedIdentity/userAssignedIdentities/delete",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/delete",
            "Microsoft.ManagedIdentity/userAssignedIdentities/revokeTokens/action",
        ],
        not_actions: &[],
    },
];

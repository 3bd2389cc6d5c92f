//! Entra plane objects: tenants, users, app registrations, service principals and their
//! credentials (secrets and federated identity credentials), and personal access tokens.

use crate::{UnixTime, Uuid};
use serde::{Deserialize, Serialize};

/// The sovereign cloud an object belongs to. Assertions may not cross clouds (AADSTS900382).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Cloud {
    #[default]
    #[serde(rename = "public", alias = "AzureCloud")]
    Public,
    #[serde(rename = "usgov", alias = "AzureUSGovernment")]
    UsGovernment,
    #[serde(rename = "china", alias = "AzureChinaCloud")]
    China,
}

impl Cloud {
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::UsGovernment => "usgov",
            Cloud::China => "china",
        }
    }
    pub fn parse(s: &str) -> Option<Cloud> {
        match s {
            "public" | "AzureCloud" => Some(Cloud::Public),
            "usgov" | "AzureUSGovernment" => Some(Cloud::UsGovernment),
            "china" | "AzureChinaCloud" => Some(Cloud::China),
            _ => None,
        }
    }
    /// The cloud segment of an Entra-generation subject (`/eid1/c/{cloud}/…`).
    pub fn subject_segment(self) -> &'static str {
        match self {
            Cloud::Public => "pub",
            Cloud::UsGovernment => "usg",
            Cloud::China => "chn",
        }
    }
}

/// Workload identity federation policy of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FederationPolicy {
    /// `false` makes every federated exchange fail with AADSTS700223.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// When set, only these issuers may be used by app registrations (AADSTS700238).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_issuers_for_apps: Option<Vec<String>>,
    /// When set, only these issuers may be used by managed identities (AADSTS700238).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_issuers_for_managed_identities: Option<Vec<String>>,
}

fn yes() -> bool {
    true
}

/// Tenant-wide settings. Stored as one JSON document so later settings need no migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantSettings {
    #[serde(default = "yes")]
    pub users_can_register_apps: bool,
    #[serde(default = "yes")]
    pub guest_permissions_limited: bool,
    /// Default and maximum lifetime of a new client secret, in days.
    #[serde(default = "two_years")]
    pub secret_lifetime_days: i64,
    #[serde(default)]
    pub federation: FederationPolicy,
    /// Who may add federated credentials to apps they do not own (directory roles that
    /// manage apps always may): `administrators` (default) or `members`.
    #[serde(default)]
    pub federated_credentials_on_unowned_apps: FederatedCredentialWriters,
    /// How the tenant's access tokens are signed: `RS256` (as Entra) or `ES256` (far cheaper
    /// to sign). Pipeline ID tokens and assertions stay RS256 whatever this says.
    #[serde(default)]
    pub access_token_algorithm: AccessTokenAlgorithm,
}

/// Who may create federated credentials on apps they do not own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FederatedCredentialWriters {
    /// Only holders of a directory role that manages apps.
    #[default]
    Administrators,
    /// Also every member user of the tenant (not guests, not service principals).
    Members,
}

/// The signature algorithm of a tenant's access tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccessTokenAlgorithm {
    #[default]
    #[serde(rename = "RS256")]
    Rs256,
    #[serde(rename = "ES256")]
    Es256,
}

impl AccessTokenAlgorithm {
    /// The JOSE `alg` value.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessTokenAlgorithm::Rs256 => "RS256",
            AccessTokenAlgorithm::Es256 => "ES256",
        }
    }
}

fn two_years() -> i64 {
    730
}

impl Default for TenantSettings {
    fn default() -> Self {
        TenantSettings {
            users_can_register_apps: true,
            guest_permissions_limited: true,
            secret_lifetime_days: two_years(),
            federation: FederationPolicy {
                enabled: true,
                ..Default::default()
            },
            federated_credentials_on_unowned_apps: FederatedCredentialWriters::Administrators,
            access_token_algorithm: AccessTokenAlgorithm::Rs256,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: Uuid,
    /// Short unique name used by world files and the CLI (`contoso`).
    pub name: String,
    /// Primary domain (`contoso.onmicrosoft.com`); a tenant can be addressed by it.
    pub domain: String,
    pub display_name: String,
    pub cloud: Cloud,
    pub settings: TenantSettings,
    pub created_at: UnixTime,
}

/// What a user is to a tenant, spelled as Graph's `userType`: a member (at home) or a guest
/// (invited from another tenant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum UserType {
    #[default]
    Member,
    Guest,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Member => "Member",
            UserType::Guest => "Guest",
        }
    }
    /// `Member` or `Guest`, in any case.
    pub fn parse(s: &str) -> Option<UserType> {
        if s.eq_ignore_ascii_case("Member") {
            Some(UserType::Member)
        } else if s.eq_ignore_ascii_case("Guest") {
            Some(UserType::Guest)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub user_principal_name: String,
    pub display_name: String,
    /// What the user is in its home tenant: keyless creates members. What a user is in any
    /// tenant is [`crate::membership::user_type_in`]'s answer.
    pub user_type: UserType,
    /// A keyless administrator: may use every admin API, in every tenant.
    pub is_admin: bool,
    pub created_at: UnixTime,
}

/// A personal access token. Only the SHA-256 of the token is ever stored: the token is
/// 32 random bytes, so a fast hash is as strong as a slow one and keeps lookups O(1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalAccessToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    #[serde(skip_serializing)]
    pub token_hash: String,
    pub scopes: Vec<String>,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// Object id.
    pub id: Uuid,
    /// Client id.
    pub app_id: Uuid,
    pub tenant_id: Uuid,
    pub display_name: String,
    /// `AzureADMyOrg` (default) or `AzureADMultipleOrgs`.
    pub sign_in_audience: String,
    pub enabled: bool,
    /// Who created it (a user or a service principal), shown as the creator.
    pub created_by: Option<Uuid>,
    pub created_at: UnixTime,
    /// Its owners (users or service principals, by object id, in the order added): they may
    /// manage it and its credentials. Stored apart from the app (`application_owners`):
    /// `create_application` records these, `update_application` leaves them alone.
    #[serde(default)]
    pub owners: Vec<Uuid>,
    /// `identifierUris`: absolute URIs naming the app as a resource, unique in its tenant.
    #[serde(default)]
    pub identifier_uris: Vec<String>,
    /// Graph's `api` object (`requestedAccessTokenVersion`, `oauth2PermissionScopes`, …), kept
    /// as given once validated.
    #[serde(default)]
    pub api: serde_json::Map<String, serde_json::Value>,
}

impl Application {
    /// Whether `principal` is one of its owners.
    pub fn is_owner(&self, principal: Uuid) -> bool {
        self.owners.contains(&principal)
    }
    /// Whether the app may have service principals (and sign in) in other tenants.
    pub fn is_multitenant(&self) -> bool {
        matches!(
            self.sign_in_audience.as_str(),
            "AzureADMultipleOrgs" | "AzureADandPersonalMicrosoftAccount"
        )
    }
}

pub const SP_TYPE_APPLICATION: &str = "Application";
pub const SP_TYPE_MANAGED_IDENTITY: &str = "ManagedIdentity";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: Uuid,
    pub app_id: Uuid,
    pub tenant_id: Uuid,
    pub display_name: String,
    pub account_enabled: bool,
    /// `Application` or `ManagedIdentity`.
    pub service_principal_type: String,
    /// For a managed identity: its ARM resource id.
    pub alternative_names: Vec<String>,
    pub created_at: UnixTime,
}

impl ServicePrincipal {
    /// A new, enabled service principal of `app` in the tenant `tenant_id`.
    pub fn of_application(app: &Application, tenant_id: Uuid, now: UnixTime) -> ServicePrincipal {
        ServicePrincipal {
            id: Uuid::new_v4(),
            app_id: app.app_id,
            tenant_id,
            display_name: app.display_name.clone(),
            account_enabled: true,
            service_principal_type: SP_TYPE_APPLICATION.into(),
            alternative_names: vec![],
            created_at: now,
        }
    }
}

/// A client secret. `secret_hash` is hex SHA-256 over `salt || secret`; secrets are 40
/// random characters generated by keyless, so a salted fast hash cannot be brute-forced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredential {
    pub key_id: Uuid,
    pub application_id: Uuid,
    pub display_name: String,
    pub hint: String,
    #[serde(skip_serializing)]
    pub salt: String,
    #[serde(skip_serializing)]
    pub secret_hash: String,
    pub start_date_time: UnixTime,
    pub end_date_time: UnixTime,
}

/// A federated identity credential on an app registration or user-assigned identity
/// (`parent_id` is the app's object id or the identity's principal id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FederatedCredential {
    pub id: Uuid,
    pub parent_id: Uuid,
    pub name: String,
    pub issuer: String,
    /// `None` for a flexible credential (which has a claims-matching expression instead).
    pub subject: Option<String>,
    pub audiences: Vec<String>,
    pub description: Option<String>,
    pub claims_matching_expression: Option<String>,
    pub created_at: UnixTime,
}

/// A user of one tenant invited into another as a guest. The person signs in once (their
/// PAT names their home user); the tenant acted on decides whether they act as a member
/// (their home tenant) or a guest (a tenant with a membership), and with which roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuestMembership {
    /// The tenant the user is a guest of.
    pub tenant_id: Uuid,
    /// The user (in their home tenant).
    pub user_id: Uuid,
    pub created_at: UnixTime,
}

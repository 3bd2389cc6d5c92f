//! The columns people see for each kind of object (`-o table`, `-o tsv` and the default
//! output use them; `-o json` prints the API's body instead). A new command adds its view
//! here and to [`ALL`].

use super::{Col, View};

pub const CONNECTION: View = View {
    items: "value",
    columns: &[
        Col::text("NAME", "name"),
        Col::text("TYPE", "type"),
        Col::text("SCHEME", "authorization.scheme"),
        Col::text("STATE", "operationStatus.state"),
        Col::text(
            "ISSUER",
            "authorization.parameters.workloadIdentityFederationIssuerType",
        ),
        Col::text("MODE", "data.creationMode"),
        Col::text("SCOPE", "data.subscriptionName || data.scope"),
        Col::time("LAST USED", "lastUsed"),
        Col::text("ID", "id"),
    ],
};

/// The fields of one connection that its identity's owner and its users need.
pub const CONNECTION_DETAIL: View = View {
    items: "value",
    columns: &[
        Col::text("Name", "name"),
        Col::text("Id", "id"),
        Col::text("Type", "type"),
        Col::text("Scheme", "authorization.scheme"),
        Col::text("State", "operationStatus.state"),
        Col::text("Mode", "data.creationMode"),
        Col::text("Scope", "data.scope || data.subscriptionId"),
        Col::text("Tenant", "authorization.parameters.tenantid"),
        Col::text("Client id", "authorization.parameters.serviceprincipalid"),
        Col::text(
            "Issuer",
            "authorization.parameters.workloadIdentityFederationIssuer",
        ),
        Col::text(
            "Subject",
            "authorization.parameters.workloadIdentityFederationSubject",
        ),
        Col::text(
            "Projects",
            "serviceEndpointProjectReferences[].projectReference.name",
        ),
        Col::time("Created", "creationDate"),
    ],
};

pub const VERIFY_STEP: View = View {
    items: "steps",
    columns: &[
        Col::text("STEP", "step"),
        Col::text("OUTCOME", "outcome"),
        Col::text("CODE", "code"),
        Col::text("MESSAGE", "message"),
    ],
};

pub const PIPELINE_PERMISSION: View = View {
    items: "pipelines",
    columns: &[
        Col::text("PIPELINE", "id"),
        Col::text("AUTHORIZED", "authorized"),
        Col::time("ON", "authorizedOn"),
    ],
};

pub const PREVIEW_FEATURE: View = View {
    items: "previewFeatures",
    columns: &[
        Col::text("FEATURE", "id"),
        Col::text("ENABLED", "enabled"),
        Col::text("NAME", "name"),
    ],
};

pub const ORGANIZATION: View = View {
    items: "value",
    columns: &[
        Col::text("NAME", "name"),
        Col::text("CLOUD", "cloud"),
        Col::text("TENANT", "tenantId"),
        Col::text("OWNER", "ownerId"),
        Col::time("CREATED", "createdAt"),
        Col::text("ID", "id"),
    ],
};

/// What a rename of an organization or a project did.
pub const RENAMED: View = View {
    items: "",
    columns: &[
        Col::text("Name", "organization.name || project.name"),
        Col::text("Id", "organization.id || project.id"),
        Col::text("Credentials updated", "credentialsUpdated"),
        Col::text("Need attention", "connectionsNeedingAttention"),
    ],
};

pub const PROJECT: View = View {
    items: "value",
    columns: &[
        Col::text("NAME", "name"),
        Col::text("DESCRIPTION", "description"),
        Col::time("CREATED", "createdAt"),
        Col::text("ID", "id"),
    ],
};

pub const USER: View = View {
    items: "value",
    columns: &[
        Col::text("UPN", "userPrincipalName"),
        Col::text("NAME", "displayName"),
        Col::text("TYPE", "userType"),
        Col::text("ADMIN", "isAdmin"),
        Col::text("ID", "id"),
    ],
};

pub const SUBSCRIPTION: View = View {
    items: "value",
    columns: &[
        Col::text("NAME", "displayName"),
        Col::text("STATE", "state"),
        Col::text("TENANT", "tenantId"),
        Col::text("ID", "id"),
    ],
};

pub const TENANT: View = View {
    items: "value",
    columns: &[
        Col::text("NAME", "name"),
        Col::text("DOMAIN", "domain"),
        Col::text("CLOUD", "cloud"),
        Col::text("FEDERATION", "settings.federation.enabled"),
        Col::text("ID", "id"),
    ],
};

pub const TENANT_DETAIL: View = View {
    items: "value",
    columns: &[
        Col::text("Name", "name"),
        Col::text("Display name", "displayName"),
        Col::text("Id", "id"),
        Col::text("Domain", "domain"),
        Col::text("Cloud", "cloud"),
        Col::text("Federation", "settings.federation.enabled"),
        Col::text("Users can register apps", "settings.usersCanRegisterApps"),
        Col::text("Secret lifetime (days)", "settings.secretLifetimeDays"),
        Col::text("Access token algorithm", "settings.accessTokenAlgorithm"),
        Col::text(
            "Guest permissions limited",
            "settings.guestPermissionsLimited",
        ),
        Col::text(
            "Federated credentials on unowned apps",
            "settings.federatedCredentialsOnUnownedApps",
        ),
        Col::time("Created", "createdAt"),
    ],
};

pub const PIPELINE: View = View {
    items: "value",
    columns: &[
        Col::text("ID", "id"),
        Col::text("NAME", "name"),
        Col::text("FILE", "definition.path"),
        Col::count("CONNECTIONS", "connections"),
        Col::time("CREATED", "createdAt"),
    ],
};

pub const PAT: View = View {
    items: "value",
    columns: &[
        Col::text("NAME", "name"),
        Col::text("SCOPES", "scopes"),
        Col::time("EXPIRES", "expiresAt"),
        Col::time("REVOKED", "revokedAt"),
        Col::text("ID", "id"),
    ],
};

pub const PAT_CREATED: View = View {
    items: "value",
    columns: &[
        Col::text("Token", "token"),
        Col::text("Name", "pat.name"),
        Col::text("Scopes", "pat.scopes"),
        Col::time("Expires", "pat.expiresAt"),
        Col::text("Id", "pat.id"),
    ],
};

pub const KEY: View = View {
    items: "value",
    columns: &[
        Col::text("KID", "kid"),
        Col::text("ISSUER", "issuer"),
        Col::text("ALG", "alg"),
        Col::text("STATE", "state"),
        Col::time("CREATED", "created"),
        Col::time("SIGNING FROM", "signingFrom"),
        Col::time("RETIRED", "retired"),
    ],
};

pub const AUDIT: View = View {
    items: "value",
    columns: &[
        Col::time("TIME", "at"),
        Col::text("KIND", "kind"),
        Col::text("DECISION", "decision"),
        Col::text("CODE", "code"),
        Col::text("CLIENT", "clientId"),
        Col::text("SUBJECT", "subject"),
    ],
};

pub const IDENTITY: View = View {
    items: "value",
    columns: &[
        Col::text("NAME", "displayName"),
        Col::text("TYPE", "servicePrincipalType"),
        Col::text("ACCESS", "accessLevel"),
        Col::text("PROJECTS", "keys(projects)"),
        Col::text("APP ID", "appId"),
        Col::text("OBJECT ID", "principalId"),
    ],
};

pub const MEMBER: View = View {
    items: "value",
    columns: &[Col::text("USER", "user"), Col::text("GROUP", "group")],
};

pub const ACCESS_LEVEL: View = View {
    items: "value",
    columns: &[
        Col::text("USER", "user"),
        Col::text("ACCESS LEVEL", "accessLevel"),
    ],
};

pub const PERMISSION: View = View {
    items: "value",
    columns: &[
        Col::text("GROUP", "group"),
        Col::text("USER", "user"),
        Col::text("PERMISSION", "permissionDisplayName"),
        Col::text("ACCESS", "access"),
    ],
};

pub const ROLE: View = View {
    items: "value",
    columns: &[
        Col::text("ROLE", "role"),
        Col::text("PRINCIPAL TYPE", "principalType"),
        Col::text("PRINCIPAL", "principalId"),
        Col::time("ASSIGNED", "createdAt"),
    ],
};

pub const GUEST: View = View {
    items: "value",
    columns: &[
        Col::text("UPN", "user.userPrincipalName"),
        Col::text("NAME", "user.displayName"),
        Col::text("HOME TENANT", "user.tenantId"),
        Col::time("INVITED", "invitedAt"),
        Col::text("ID", "user.id"),
    ],
};

pub const JOB: View = View {
    items: "value",
    columns: &[
        Col::text("Job", "env.SYSTEM_JOBID"),
        Col::text("Plan", "env.SYSTEM_PLANID"),
        Col::text(
            "Pipeline",
            "env.BUILD_DEFINITIONNAME || env.SYSTEM_DEFINITIONID",
        ),
        Col::text("Project", "env.SYSTEM_TEAMPROJECT"),
        Col::text("OIDC request URI", "env.SYSTEM_OIDCREQUESTURI"),
    ],
};

pub const POOL: View = View {
    items: "value",
    columns: &[
        Col::text("NAME", "name"),
        Col::text("KIND", "isHosted && 'Microsoft-hosted' || 'self-hosted'"),
        Col::text("AGENTS", "size"),
        Col::time("CREATED", "createdOn"),
        Col::text("ID", "id"),
    ],
};

pub const AGENT: View = View {
    items: "value",
    columns: &[
        Col::text("NAME", "name"),
        Col::text("STATUS", "status"),
        Col::text("VM", "systemCapabilities.\"Azure.VirtualMachine\" || '-'"),
        Col::time("CREATED", "createdOn"),
        Col::text("ID", "id"),
    ],
};

/// A registered agent with its secret (shown once).
pub const AGENT_CREATED: View = View {
    items: "value",
    columns: &[
        Col::text("Secret", "secret"),
        Col::text("Name", "name"),
        Col::text("VM", "systemCapabilities.\"Azure.VirtualMachine\" || '-'"),
        Col::text("Id", "id"),
    ],
};

/// Every view, by name (a unit test compiles each expression).
#[cfg(test)]
pub const ALL: &[(&str, View)] = &[
    ("connection", CONNECTION),
    ("connection detail", CONNECTION_DETAIL),
    ("verify step", VERIFY_STEP),
    ("pipeline permission", PIPELINE_PERMISSION),
    ("preview feature", PREVIEW_FEATURE),
    ("organization", ORGANIZATION),
    ("renamed", RENAMED),
    ("project", PROJECT),
    ("user", USER),
    ("subscription", SUBSCRIPTION),
    ("tenant", TENANT),
    ("tenant detail", TENANT_DETAIL),
    ("pipeline", PIPELINE),
    ("pat", PAT),
    ("pat created", PAT_CREATED),
    ("key", KEY),
    ("audit", AUDIT),
    ("identity", IDENTITY),
    ("member", MEMBER),
    ("access level", ACCESS_LEVEL),
    ("permission", PERMISSION),
    ("role", ROLE),
    ("guest", GUEST),
    ("job", JOB),
    ("pool", POOL),
    ("agent", AGENT),
    ("agent created", AGENT_CREATED),
];

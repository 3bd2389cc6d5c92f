//! Rules of automatic connection creation: the preflight that reports every
//! problem at once, the scope a connection's role assignment is made at, the names keyless
//! gives what it creates, and the steps (in order) whose failure rolls everything back.

use crate::directory_roles::{Decision, Denial};

/// Automatic secrets (and their renewal on verify + save) last three months.
pub const AUTOMATIC_SECRET_DAYS: i64 = 90;
/// A conversion to workload identity may be reverted for seven days.
pub const CONVERSION_REVERT_DAYS: i64 = 7;

/// What the preflight knows about the creator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreatorFacts {
    /// Whether the creator may register an app in the tenant of the scope, and why
    /// (`directory_roles::decide` for `CreateApp`).
    pub app_registration: Decision,
    /// `Microsoft.Authorization/roleAssignments/write` at the scope.
    pub can_write_role_assignments: bool,
    /// The creator's personal access token has expired or was revoked.
    pub sign_in_expired: bool,
    /// Creator or Administrator role on service connections in the project.
    pub has_creator_role: bool,
}

/// One reason the creation cannot proceed; each is a catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    SignInExpired,
    MissingCreatorRole,
    GuestLimited,
    AppRegistrationForbidden,
    RoleAssignmentForbidden,
}

impl Problem {
    pub fn code(self) -> &'static str {
        match self {
            Problem::SignInExpired => "SignInExpired",
            Problem::MissingCreatorRole => "MissingCreatorRole",
            Problem::GuestLimited => "GuestLimited",
            Problem::AppRegistrationForbidden => "AppRegistrationForbidden",
            Problem::RoleAssignmentForbidden => "RoleAssignmentForbidden",
        }
    }
}

/// Every problem, in the order the user should fix them. Empty: go ahead.
/// `needs_app`: the scheme creates an app registration (always, for automatic creation).
/// A denied registration is `GuestLimited` for a limited guest, else
/// `AppRegistrationForbidden`.
pub fn preflight(f: &CreatorFacts) -> Vec<Problem> {
    let mut out = Vec::new();
    if f.sign_in_expired {
        out.push(Problem::SignInExpired);
    }
    if !f.has_creator_role {
        out.push(Problem::MissingCreatorRole);
    }
    match f.app_registration {
        Decision::Allowed(_) => {}
        Decision::Denied(Denial::LimitedGuest) => out.push(Problem::GuestLimited),
        Decision::Denied(_) => out.push(Problem::AppRegistrationForbidden),
    }
    if !f.can_write_role_assignments {
        out.push(Problem::RoleAssignmentForbidden);
    }
    out
}

/// The steps of an automatic creation, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    AppRegistration,
    ServicePrincipal,
    FederatedCredential,
    Secret,
    RoleAssignment,
    Connection,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::AppRegistration,
        Step::ServicePrincipal,
        Step::FederatedCredential,
        Step::Secret,
        Step::RoleAssignment,
        Step::Connection,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Step::AppRegistration => "app registration",
            Step::ServicePrincipal => "service principal",
            Step::FederatedCredential => "federated credential",
            Step::Secret => "client secret",
            Step::RoleAssignment => "role assignment",
            Step::Connection => "service connection",
        }
    }
    /// `app-registration`, `role-assignment`… (the fault-injection knob's spelling).
    pub fn parse(s: &str) -> Option<Step> {
        let k = s.trim().to_ascii_lowercase().replace(['-', '_'], " ");
        Self::ALL.into_iter().find(|st| st.as_str() == k)
    }
}

/// Which scope level a connection targets (`data.scopeLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeLevel {
    Subscription,
    ManagementGroup,
    ResourceGroup,
    MachineLearningWorkspace,
}

impl ScopeLevel {
    /// The `data.scopeLevel` text.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScopeLevel::Subscription => "Subscription",
            ScopeLevel::ManagementGroup => "ManagementGroup",
            ScopeLevel::ResourceGroup => "ResourceGroup",
            ScopeLevel::MachineLearningWorkspace => "AzureMLWorkspace",
        }
    }
    pub fn parse(s: &str) -> Option<ScopeLevel> {
        match s.trim().to_ascii_lowercase().as_str() {
            "subscription" => Some(ScopeLevel::Subscription),
            "managementgroup" => Some(ScopeLevel::ManagementGroup),
            "resourcegroup" => Some(ScopeLevel::ResourceGroup),
            "azuremlworkspace" | "machinelearningworkspace" => {
                Some(ScopeLevel::MachineLearningWorkspace)
            }
            _ => None,
        }
    }
}

/// The ARM scope of a connection's `data`, or the name of the field that is missing.
pub fn scope_of(
    data: &serde_json::Map<String, serde_json::Value>,
) -> Result<(ScopeLevel, String), String> {
    use super::data::{self as keys, ConnectionData};
    let get = |k: &str| -> Result<String, String> {
        data.scope_text(k)
            .map(str::trim)
            .filter(|v| !v.is_empty() && !v.contains('/'))
            .map(String::from)
            .ok_or_else(|| k.to_string())
    };
    let level_text = data
        .scope_level_text()
        .unwrap_or(ScopeLevel::Subscription.as_str());
    let level = ScopeLevel::parse(level_text).ok_or_else(|| keys::SCOPE_LEVEL.to_string())?;
    let scope = match level {
        ScopeLevel::Subscription => format!("/subscriptions/{}", get(keys::SUBSCRIPTION_ID)?),
        ScopeLevel::ManagementGroup => format!(
            "/providers/Microsoft.Management/managementGroups/{}",
            get(keys::MANAGEMENT_GROUP_ID)?
        ),
        ScopeLevel::ResourceGroup => format!(
            "/subscriptions/{}/resourceGroups/{}",
            get(keys::SUBSCRIPTION_ID)?,
            get(keys::RESOURCE_GROUP_NAME)?
        ),
        ScopeLevel::MachineLearningWorkspace => format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}",
            get(keys::SUBSCRIPTION_ID)?,
            get(keys::RESOURCE_GROUP_NAME)?,
            get(keys::ML_WORKSPACE_NAME)?
        ),
    };
    Ok((level, scope))
}

/// The display name of the app registration keyless creates for a connection.
pub fn app_display_name(organization: &str, project: &str, connection: &str) -> String {
    format!("{organization}-{project}-{connection}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::directory_roles::{DirectoryRole, Grant, Setting};

    const BY_SETTING: Decision = Decision::Allowed(Grant::Setting(Setting::UsersCanRegisterApps));
    const LIMITED_GUEST: Decision = Decision::Denied(Denial::LimitedGuest);
    const SETTING_OFF: Decision =
        Decision::Denied(Denial::SettingOff(Setting::UsersCanRegisterApps));

    fn ok() -> CreatorFacts {
        CreatorFacts {
            app_registration: BY_SETTING,
            can_write_role_assignments: true,
            sign_in_expired: false,
            has_creator_role: true,
        }
    }

    #[test]
    fn preflight_table() {
        use Problem::*;
        let by_role = Decision::Allowed(Grant::Role(DirectoryRole::ApplicationDeveloper));
        let table: Vec<(CreatorFacts, Vec<Problem>)> = vec![
            (ok(), vec![]),
            (
                CreatorFacts {
                    app_registration: LIMITED_GUEST,
                    ..ok()
                },
                vec![GuestLimited],
            ),
            (
                CreatorFacts {
                    app_registration: by_role,
                    ..ok()
                },
                vec![],
            ),
            (
                CreatorFacts {
                    app_registration: Decision::Allowed(Grant::KeylessAdministrator),
                    ..ok()
                },
                vec![],
            ),
            (
                CreatorFacts {
                    app_registration: SETTING_OFF,
                    ..ok()
                },
                vec![AppRegistrationForbidden],
            ),
            (
                CreatorFacts {
                    app_registration: Decision::Denied(Denial::NoRight),
                    ..ok()
                },
                vec![AppRegistrationForbidden],
            ),
            (
                CreatorFacts {
                    can_write_role_assignments: false,
                    ..ok()
                },
                vec![RoleAssignmentForbidden],
            ),
            (
                CreatorFacts {
                    sign_in_expired: true,
                    ..ok()
                },
                vec![SignInExpired],
            ),
            (
                CreatorFacts {
                    has_creator_role: false,
                    ..ok()
                },
                vec![MissingCreatorRole],
            ),
            (
                CreatorFacts {
                    app_registration: LIMITED_GUEST,
                    can_write_role_assignments: false,
                    sign_in_expired: true,
                    has_creator_role: false,
                },
                vec![
                    SignInExpired,
                    MissingCreatorRole,
                    GuestLimited,
                    RoleAssignmentForbidden,
                ],
            ),
            (
                CreatorFacts {
                    app_registration: SETTING_OFF,
                    can_write_role_assignments: false,
                    ..ok()
                },
                vec![AppRegistrationForbidden, RoleAssignmentForbidden],
            ),
        ];
        for (facts, want) in table {
            assert_eq!(preflight(&facts), want, "{facts:?}");
        }
    }

    #[test]
    fn scopes_per_level() {
        let d = |v: serde_json::Value| v.as_object().unwrap().clone();
        let table = [
            (json!({"subscriptionId": "s1"}), Ok((ScopeLevel::Subscription, "/subscriptions/s1".to_string()))),
            (json!({"scopeLevel": "ResourceGroup", "subscriptionId": "s1", "resourceGroupName": "rg"}),
             Ok((ScopeLevel::ResourceGroup, "/subscriptions/s1/resourceGroups/rg".to_string()))),
            (json!({"scopeLevel": "ManagementGroup", "managementGroupId": "mg1"}),
             Ok((ScopeLevel::ManagementGroup, "/providers/Microsoft.Management/managementGroups/mg1".to_string()))),
            (json!({"scopeLevel": "AzureMLWorkspace", "subscriptionId": "s1", "resourceGroupName": "rg", "mlWorkspaceName": "ws"}),
             Ok((ScopeLevel::MachineLearningWorkspace, "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws".to_string()))),
            (json!({"scopeLevel": "ResourceGroup", "subscriptionId": "s1"}), Err("resourceGroupName".to_string())),
            (json!({"scopeLevel": "Galaxy"}), Err("scopeLevel".to_string())),
            (json!({}), Err("subscriptionId".to_string())),
            (json!({"subscriptionId": "../x"}), Err("subscriptionId".to_string())),
        ];
        for (data, want) in table {
            assert_eq!(scope_of(&d(data.clone())), want, "{data}");
        }
    }

    #[test]
    fn steps_parse_from_knob_spelling() {
        for s in Step::ALL {
            assert_eq!(Step::parse(&s.as_str().replace(' ', "-")), Some(s));
        }
        assert_eq!(Step::parse("role_assignment"), Some(Step::RoleAssignment));
        assert_eq!(Step::parse("coffee"), None);
        assert_eq!(
            app_display_name("contoso", "web", "prod"),
            "contoso-web-prod"
        );
    }
}

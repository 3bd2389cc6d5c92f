//! A tenant's settings form: `PATCH /keyless/v1/tenants/{t}/settings` with the settings the
//! form holds (Global Administrators, as the API decides; anyone else sees its refusal).

use crate::paths::segment;
use crate::view::{self, Ctx, Posted};
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use serde_json::{Map, Value, json};

/// The form's fields, as the API's settings fill them or as they were posted.
pub struct SettingsForm {
    pub users_can_register_apps: bool,
    pub guest_permissions_limited: bool,
    /// `administrators` or `members`.
    pub unowned: String,
    pub secret_lifetime_days: String,
    pub federation_enabled: bool,
    /// Allowed issuers, one a line; empty when not set.
    pub issuers_for_apps: String,
    pub issuers_for_identities: String,
}

/// A list of strings as lines.
fn lines(v: &Value) -> String {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lines as a list, blank lines left out; `None` when none is left (the policy not set).
fn issuers(text: &str) -> Option<Vec<&str>> {
    let list: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    (!list.is_empty()).then_some(list)
}

impl SettingsForm {
    /// From the API's `settings` object.
    pub fn of(s: &Value) -> SettingsForm {
        let f = &s["federation"];
        SettingsForm {
            users_can_register_apps: s["usersCanRegisterApps"].as_bool().unwrap_or(false),
            guest_permissions_limited: s["guestPermissionsLimited"].as_bool().unwrap_or(false),
            unowned: s["federatedCredentialsOnUnownedApps"]
                .as_str()
                .unwrap_or("administrators")
                .into(),
            secret_lifetime_days: super::connection_extras::text(&s["secretLifetimeDays"]),
            federation_enabled: f["enabled"].as_bool().unwrap_or(false),
            issuers_for_apps: lines(&f["allowedIssuersForApps"]),
            issuers_for_identities: lines(&f["allowedIssuersForManagedIdentities"]),
        }
    }

    /// As posted (an unchecked box is absent).
    fn posted(form: &Posted) -> SettingsForm {
        let checked = |name: &str| !form.get(name).is_empty();
        SettingsForm {
            users_can_register_apps: checked("usersCanRegisterApps"),
            guest_permissions_limited: checked("guestPermissionsLimited"),
            unowned: form.get("federatedCredentialsOnUnownedApps").into(),
            secret_lifetime_days: form.get("secretLifetimeDays").trim().into(),
            federation_enabled: checked("federationEnabled"),
            issuers_for_apps: form.get("allowedIssuersForApps").into(),
            issuers_for_identities: form.get("allowedIssuersForManagedIdentities").into(),
        }
    }

    /// The PATCH body: the settings' top-level keys, `federation` whole (an empty list of
    /// issuers left out, so the policy is not set). A lifetime that is not a number goes as
    /// text, for the API to refuse with its own words.
    fn body(&self) -> Value {
        let mut federation = Map::new();
        federation.insert("enabled".into(), json!(self.federation_enabled));
        if let Some(list) = issuers(&self.issuers_for_apps) {
            federation.insert("allowedIssuersForApps".into(), json!(list));
        }
        if let Some(list) = issuers(&self.issuers_for_identities) {
            federation.insert("allowedIssuersForManagedIdentities".into(), json!(list));
        }
        let days = match self.secret_lifetime_days.parse::<i64>() {
            Ok(n) => json!(n),
            Err(_) => json!(self.secret_lifetime_days),
        };
        json!({
            "usersCanRegisterApps": self.users_can_register_apps,
            "guestPermissionsLimited": self.guest_permissions_limited,
            "federatedCredentialsOnUnownedApps": self.unowned,
            "secretLifetimeDays": days,
            "federation": federation,
        })
    }

    /// Whether members may add federated credentials to apps they do not own.
    pub fn members(&self) -> bool {
        self.unowned == "members"
    }
}

/// Saves the settings, then shows the tenant again; a refusal shows the form as posted with
/// the API's status and text, nothing changed.
pub async fn submit(ctx: Ctx, Path(tenant): Path<String>, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let f = SettingsForm::posted(&form);
    let path = format!("/keyless/v1/tenants/{}/settings", segment(&tenant));
    match ctx.api().patch(&path, &f.body()).await {
        Ok(_) => view::to(&format!("{}/tenants/{}", crate::PREFIX, segment(&tenant))),
        Err(r) => {
            let shown = super::tenants::Shown {
                settings: Some((f, r)),
                ..Default::default()
            };
            super::tenants::render(&ctx, &tenant, shown).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_round_trips_the_apis_settings() {
        let settings = json!({
            "usersCanRegisterApps": false,
            "guestPermissionsLimited": true,
            "federatedCredentialsOnUnownedApps": "members",
            "secretLifetimeDays": 90,
            "federation": {"enabled": true, "allowedIssuersForApps": ["https://a", "https://b"]},
            "accessTokenAlgorithm": "RS256",
        });
        let f = SettingsForm::of(&settings);
        assert_eq!(f.issuers_for_apps, "https://a\nhttps://b");
        assert!(f.members());
        assert_eq!(
            f.body(),
            json!({
                "usersCanRegisterApps": false,
                "guestPermissionsLimited": true,
                "federatedCredentialsOnUnownedApps": "members",
                "secretLifetimeDays": 90,
                "federation": {"enabled": true, "allowedIssuersForApps": ["https://a", "https://b"]},
            })
        );
    }

    #[test]
    fn blank_issuer_lines_leave_the_policy_unset() {
        assert_eq!(issuers(" \n\n "), None);
        assert_eq!(issuers(" x \r\n\ny"), Some(vec!["x", "y"]));
    }
}

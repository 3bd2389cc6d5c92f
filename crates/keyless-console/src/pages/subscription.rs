//! One subscription, through ARM: its resource groups and the role assignments at the
//! subscription and at each group. ARM takes no personal access token, so each request
//! first gets the user an ARM access token in the subscription's tenant
//! (`POST /keyless/v1/me/token`), used for that request only and never kept; ARM's own
//! role-based access control then decides, and a refusal shows ARM's status and text.

use super::connection_extras::text;
use super::identities::{IdentityRow, identities_of};
use super::subscriptions::SubscriptionRow;
use crate::api::{Api, Refusal};
use crate::paths::segment;
use crate::view::{self, Chrome, Ctx};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// The api-versions the page asks ARM with.
pub const SUBSCRIPTION_API: &str = "api-version=2022-12-01";
pub const GROUPS_API: &str = "api-version=2021-04-01";
pub const AUTHORIZATION_API: &str = "api-version=2022-04-01";
/// The audience of the user's token.
const ARM_RESOURCE: &str = "https://management.azure.com/";

fn list(v: &Value) -> impl Iterator<Item = &Value> {
    v["value"].as_array().into_iter().flatten()
}

/// The ARM path of the subscription `id`.
pub fn subscription_scope(id: &str) -> String {
    format!("/subscriptions/{}", segment(id))
}

/// The ARM path of the resource group `group` of the subscription `id` (the subscription
/// itself when `group` is empty).
pub fn scope_of(id: &str, group: &str) -> String {
    match group {
        "" => subscription_scope(id),
        g => format!("{}/resourceGroups/{}", subscription_scope(id), segment(g)),
    }
}

/// This page's address.
pub fn page_path(id: &str) -> String {
    format!("{}/subscriptions/{}", crate::PREFIX, segment(id))
}

/// The subscription `id` as keyless lists it to the user (its tenant tells where to get a
/// token), then an ARM access token of the user in that tenant.
pub async fn arm_access(ctx: &Ctx, id: &str) -> Result<(SubscriptionRow, String), Refusal> {
    let api = ctx.api();
    let subs = api.get("/keyless/v1/subscriptions").await?;
    let Some(sub) = list(&subs)
        .map(SubscriptionRow::of)
        .find(|s| s.id.eq_ignore_ascii_case(id))
    else {
        return Err(Refusal {
            status: StatusCode::NOT_FOUND,
            message: format!(
                "There is no subscription '{id}' in a tenant you are a member or a guest of."
            ),
        });
    };
    let token = api
        .post(
            "/keyless/v1/me/token",
            &json!({"resource": ARM_RESOURCE, "tenant": sub.tenant}),
        )
        .await?;
    let token = text(&token["accessToken"]);
    Ok((sub, token))
}

pub struct GroupRow {
    pub name: String,
    pub location: String,
}

impl GroupRow {
    /// The `id` of the group's section on the page.
    pub fn anchor(&self) -> String {
        format!("rg-{}", self.name)
    }
}

pub struct AssignmentRow {
    /// The assignment's ARM id, which removing it deletes.
    pub id: String,
    pub role: String,
    pub principal: String,
    pub principal_type: String,
    pub scope: String,
}

/// A role definition to choose in the add form.
pub struct RoleOption {
    pub id: String,
    pub name: String,
}

/// A scope's section: the assignments made at it (those inherited from above are listed
/// at their own scope).
pub struct Scope {
    pub heading: String,
    /// The resource group's name; empty for the subscription.
    pub group: String,
    pub anchor: String,
    pub assignments: Result<Vec<AssignmentRow>, Refusal>,
    /// The group's user-assigned managed identities (none for the subscription).
    pub identities: Option<Result<Vec<IdentityRow>, Refusal>>,
}

/// The role's name by the last segment (a GUID) of its definition id, else the id.
fn role_name(roles: &[RoleOption], definition: &str) -> String {
    let guid = definition.rsplit('/').next().unwrap_or_default();
    roles
        .iter()
        .find(|r| {
            r.id.rsplit('/')
                .next()
                .is_some_and(|g| g.eq_ignore_ascii_case(guid))
        })
        .map(|r| r.name.clone())
        .unwrap_or_else(|| definition.to_string())
}

/// The assignments made at the scope whose ARM path is `path` and whose id is `shown`
/// (the path with its names unencoded, as ARM writes `properties.scope`).
async fn assignments_at(
    arm: &Api<'_>,
    path: &str,
    shown: &str,
    roles: &[RoleOption],
) -> Result<Vec<AssignmentRow>, Refusal> {
    let path = format!(
        "{path}/providers/Microsoft.Authorization/roleAssignments?{AUTHORIZATION_API}&$filter=atScope()"
    );
    let v = arm.get(&path).await?;
    Ok(list(&v)
        .filter(|a| text(&a["properties"]["scope"]).eq_ignore_ascii_case(shown))
        .map(|a| {
            let p = &a["properties"];
            AssignmentRow {
                id: text(&a["id"]),
                role: role_name(roles, &text(&p["roleDefinitionId"])),
                principal: text(&p["principalId"]),
                principal_type: text(&p["principalType"]),
                scope: text(&p["scope"]),
            }
        })
        .collect())
}

/// What ARM shows of the subscription, or its refusal.
pub struct Arm {
    pub name: String,
    pub state: String,
    pub groups: Result<Vec<GroupRow>, Refusal>,
    pub roles: Result<Vec<RoleOption>, Refusal>,
    pub scopes: Vec<Scope>,
}

#[derive(Template)]
#[template(path = "subscription.html")]
struct SubscriptionPage {
    chrome: Chrome,
    sub: SubscriptionRow,
    arm: Result<Arm, Refusal>,
}

async fn read(arm: &Api<'_>, id: &str) -> Result<Arm, Refusal> {
    let base = subscription_scope(id);
    let sub = arm.get(&format!("{base}?{SUBSCRIPTION_API}")).await?;
    let groups = arm
        .get(&format!("{base}/resourcegroups?{GROUPS_API}"))
        .await
        .map(|v| {
            let mut rows: Vec<GroupRow> = list(&v)
                .map(|g| GroupRow {
                    name: text(&g["name"]),
                    location: text(&g["location"]),
                })
                .collect();
            rows.sort_by_key(|g| g.name.to_lowercase());
            rows
        });
    let roles = arm
        .get(&format!(
            "{base}/providers/Microsoft.Authorization/roleDefinitions?{AUTHORIZATION_API}"
        ))
        .await
        .map(|v| {
            let mut rows: Vec<RoleOption> = list(&v)
                .map(|r| RoleOption {
                    id: text(&r["id"]),
                    name: text(&r["properties"]["roleName"]),
                })
                .collect();
            rows.sort_by_key(|r| r.name.to_lowercase());
            rows
        });
    let known = roles.as_deref().unwrap_or_default();
    let mut scopes = vec![Scope {
        heading: "Subscription".into(),
        group: String::new(),
        anchor: "subscription".into(),
        assignments: assignments_at(arm, &base, &format!("/subscriptions/{id}"), known).await,
        identities: None,
    }];
    // One list for the subscription, shared out to the groups' sections.
    let mut identities = identities_of(arm, id).await;
    for g in groups.as_deref().unwrap_or_default() {
        let shown = format!("/subscriptions/{id}/resourceGroups/{}", g.name);
        let in_group = match &mut identities {
            Ok(all) => {
                let (mine, rest) = std::mem::take(all)
                    .into_iter()
                    .partition(|i| i.group.eq_ignore_ascii_case(&g.name));
                *all = rest;
                Ok(mine)
            }
            Err(r) => Err(r.clone()),
        };
        scopes.push(Scope {
            heading: format!("Resource group {}", g.name),
            group: g.name.clone(),
            anchor: g.anchor(),
            assignments: assignments_at(arm, &scope_of(id, &g.name), &shown, known).await,
            identities: Some(in_group),
        });
    }
    Ok(Arm {
        name: text(&sub["displayName"]),
        state: text(&sub["state"]),
        groups,
        roles,
        scopes,
    })
}

pub async fn page(ctx: Ctx, Path(id): Path<String>) -> Response {
    let (sub, token) = match arm_access(&ctx, &id).await {
        Ok(found) => found,
        Err(r) => return ctx.refused(r),
    };
    let arm = read(&Api::with_access_token(&ctx.state, &token), &sub.id).await;
    view::html(
        StatusCode::OK,
        &SubscriptionPage {
            chrome: ctx.chrome(&format!("Subscription {}", sub.name)),
            sub,
            arm,
        },
    )
}

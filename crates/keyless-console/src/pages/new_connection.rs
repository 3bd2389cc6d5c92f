//! The New service connection wizard: choose the type, fill its form, post the REST API's
//! create body as the signed-in user. The API decides everything (roles, the preflight,
//! which fields a body needs): a refusal shows its text, the preflight's problems together,
//! and a bad field's message beside the field with the form's values kept.

use crate::PREFIX;
use crate::api::Refusal;
use crate::paths::segment;
use crate::view::{self, Chrome, Ctx, Posted};
use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

type Where = Path<(String, String)>;
type WhereKind = Path<(String, String, String)>;

/// The connection types the wizard makes, named in its addresses as in the API's `type`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AzureRm,
    AzureDevOps,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s {
            "azurerm" => Some(Kind::AzureRm),
            "azuredevops" => Some(Kind::AzureDevOps),
            _ => None,
        }
    }
    pub fn slug(self) -> &'static str {
        match self {
            Kind::AzureRm => "azurerm",
            Kind::AzureDevOps => "azuredevops",
        }
    }
    fn api_type(self) -> &'static str {
        match self {
            Kind::AzureRm => "AzureRM",
            Kind::AzureDevOps => "AzureDevOps",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Kind::AzureRm => "Azure Resource Manager",
            Kind::AzureDevOps => "Azure DevOps",
        }
    }
}

/// The form's fields, as posted (kept when the form is shown again).
#[derive(Default)]
pub struct Fields {
    /// `Automatic` or `Manual` (Azure Resource Manager).
    pub mode: String,
    pub scheme: String,
    /// `Subscription`, `ManagementGroup` or `AzureMLWorkspace`.
    pub level: String,
    pub subscription: String,
    pub subscription_other: String,
    pub management_group: String,
    pub resource_group: String,
    pub workspace: String,
    pub tenant: String,
    pub client: String,
    pub secret: String,
    pub organization: String,
    pub name: String,
    pub description: String,
    pub grant_all: bool,
}

impl Fields {
    fn of(form: &Posted) -> Fields {
        let f = |k: &str| form.get(k).trim().to_string();
        Fields {
            mode: f("mode"),
            scheme: f("scheme"),
            level: f("level"),
            subscription: f("subscription"),
            subscription_other: f("subscriptionOther"),
            management_group: f("managementGroup"),
            resource_group: f("resourceGroup"),
            workspace: f("workspace"),
            tenant: f("tenant"),
            client: f("client"),
            // A secret is sent as typed and never shown again.
            secret: form.get("secret").to_string(),
            organization: f("organization"),
            name: f("name"),
            description: f("description"),
            grant_all: form.get("grantAll") == "on",
        }
    }

    fn defaults() -> Fields {
        Fields {
            mode: "Automatic".into(),
            scheme: "WorkloadIdentityFederation".into(),
            level: "Subscription".into(),
            ..Fields::default()
        }
    }

    fn subscription_id(&self) -> &str {
        if self.subscription_other.is_empty() {
            &self.subscription
        } else {
            &self.subscription_other
        }
    }

    /// The REST API's create body for these fields.
    fn body(&self, kind: Kind, project: &str) -> Value {
        let mut data = Map::new();
        let mut params = Map::new();
        let put = |m: &mut Map<String, Value>, k: &str, v: &str| {
            if !v.is_empty() {
                m.insert(k.into(), json!(v));
            }
        };
        match kind {
            Kind::AzureRm => {
                let level = match (self.level.as_str(), self.resource_group.is_empty()) {
                    ("Subscription", false) => "ResourceGroup",
                    (l, _) => l,
                };
                put(&mut data, "creationMode", &self.mode);
                put(&mut data, "scopeLevel", level);
                put(&mut data, "subscriptionId", self.subscription_id());
                put(&mut data, "resourceGroupName", &self.resource_group);
                put(&mut data, "managementGroupId", &self.management_group);
                put(&mut data, "mlWorkspaceName", &self.workspace);
                put(&mut data, "environment", "AzureCloud");
                put(&mut params, "tenantid", &self.tenant);
                if self.mode == "Manual" {
                    put(&mut params, "serviceprincipalid", &self.client);
                    put(&mut params, "serviceprincipalkey", &self.secret);
                }
            }
            Kind::AzureDevOps => {
                put(&mut data, "organizationName", &self.organization);
                put(&mut params, "tenantid", &self.tenant);
                put(&mut params, "serviceprincipalid", &self.client);
            }
        }
        let scheme = match kind {
            Kind::AzureRm => self.scheme.as_str(),
            Kind::AzureDevOps => "WorkloadIdentityFederation",
        };
        json!({
            "name": self.name,
            "type": kind.api_type(),
            "description": self.description,
            "authorization": {"scheme": scheme, "parameters": params},
            "data": data,
            "serviceEndpointProjectReferences": [
                {"projectReference": {"name": project}, "name": self.name}
            ],
        })
    }
}

/// The field an API message is about, by the name of the body field it quotes; `None`:
/// the message is about the whole form.
fn field_of(message: &str) -> Option<&'static str> {
    const BY_WORD: [(&str, &str); 10] = [
        ("service connection name", "name"),
        ("serviceprincipalkey", "secret"),
        ("serviceprincipalid", "client"),
        ("tenantid", "tenant"),
        ("mlWorkspaceName", "workspace"),
        ("Machine Learning workspace", "workspace"),
        ("resourceGroupName", "resourceGroup"),
        ("managementGroupId", "managementGroup"),
        ("management group", "managementGroup"),
        ("subscriptionId", "subscription"),
    ];
    BY_WORD
        .iter()
        .find(|(w, _)| message.contains(w))
        .map(|(_, f)| *f)
}

/// One problem of the preflight: its code and message.
pub struct Problem {
    pub code: String,
    pub message: String,
}

/// A subscription of the picker.
pub struct Choice {
    pub id: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "new_connection.html")]
struct TypePage {
    chrome: Chrome,
    org: String,
    project: String,
}

#[derive(Template)]
#[template(path = "new_connection_form.html")]
struct FormPage {
    chrome: Chrome,
    org: String,
    project: String,
    kind: Kind,
    f: Fields,
    subscriptions: Vec<Choice>,
    /// Why the picker is empty: the API's text.
    picker_note: String,
    /// The API's refusal of the form as a whole.
    refusal: Option<Refusal>,
    problems: Vec<Problem>,
    /// The field the refusal is about, and its message.
    field_error: Option<(&'static str, String)>,
}

impl FormPage {
    /// The message to show beside `field`, empty when there is none.
    pub fn error(&self, field: &str) -> &str {
        match &self.field_error {
            Some((f, m)) if *f == field => m,
            _ => "",
        }
    }
    pub fn selected(&self, value: &str, field: &str) -> bool {
        let v = match field {
            "mode" => &self.f.mode,
            "scheme" => &self.f.scheme,
            "level" => &self.f.level,
            _ => &self.f.subscription,
        };
        v == value
    }
}

/// The connections page of the project.
fn project_page(org: &str, project: &str) -> String {
    format!("{PREFIX}/orgs/{}/{}", segment(org), segment(project))
}

pub async fn choose(ctx: Ctx, Path((org, project)): Where) -> Response {
    view::html(
        StatusCode::OK,
        &TypePage {
            chrome: ctx.chrome("New service connection"),
            org,
            project,
        },
    )
}

/// The picker's subscriptions, as the API lists them for this user, or its text why none.
async fn picker(ctx: &Ctx, org: &str) -> (Vec<Choice>, String) {
    let path = format!(
        "/keyless/v1/organizations/{}/azure-subscriptions",
        segment(org)
    );
    match ctx.api().get(&path).await {
        Ok(v) => {
            let list = v["value"].as_array().into_iter().flatten().flat_map(|t| {
                let domain = t["domain"].as_str().unwrap_or_default().to_string();
                t["subscriptions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(move |s| Choice {
                        id: s["subscriptionId"].as_str().unwrap_or_default().into(),
                        label: format!(
                            "{} ({}, {domain})",
                            s["displayName"].as_str().unwrap_or_default(),
                            s["subscriptionId"].as_str().unwrap_or_default()
                        ),
                    })
            });
            (list.collect(), String::new())
        }
        Err(r) => (Vec::new(), r.message),
    }
}

async fn form_page(
    ctx: &Ctx,
    org: String,
    project: String,
    kind: Kind,
    f: Fields,
    refused: Option<(Refusal, Value)>,
) -> Response {
    let (subscriptions, picker_note) = match kind {
        Kind::AzureRm => picker(ctx, &org).await,
        Kind::AzureDevOps => (Vec::new(), String::new()),
    };
    let status = refused.as_ref().map_or(StatusCode::OK, |(r, _)| r.status);
    let problems: Vec<Problem> = refused
        .as_ref()
        .and_then(|(_, body)| body["customProperties"]["problems"].as_array())
        .into_iter()
        .flatten()
        .map(|p| Problem {
            code: p["code"].as_str().unwrap_or_default().into(),
            message: p["message"].as_str().unwrap_or_default().into(),
        })
        .collect();
    let field_error = refused
        .as_ref()
        .filter(|(r, _)| r.status == StatusCode::BAD_REQUEST)
        .and_then(|(r, _)| field_of(&r.message).map(|f| (f, r.message.clone())));
    // The refusal is shown above the form unless it is shown beside its field.
    let refusal = match field_error {
        Some(_) => None,
        None => refused.map(|(r, _)| r),
    };
    let page = FormPage {
        chrome: ctx.chrome(&format!("New {} service connection", kind.title())),
        org,
        project,
        kind,
        f,
        subscriptions,
        picker_note,
        refusal,
        problems,
        field_error,
    };
    view::html(status, &page)
}

pub async fn form(ctx: Ctx, Path((org, project, kind)): WhereKind) -> Response {
    let Some(kind) = Kind::parse(&kind) else {
        return ctx.not_found();
    };
    form_page(&ctx, org, project, kind, Fields::defaults(), None).await
}

/// Posts the create body; on success opens the new connection's details (its state, and
/// for a Draft the API's message with the issuer and subject to hand on).
pub async fn submit(ctx: Ctx, Path((org, project, kind)): WhereKind, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let Some(kind) = Kind::parse(&kind) else {
        return ctx.not_found();
    };
    let f = Fields::of(&form);
    let path = format!(
        "/{}/{}/_apis/serviceendpoint/endpoints",
        segment(&org),
        segment(&project)
    );
    let made = match ctx
        .api()
        .post_keeping_body(&path, &f.body(kind, &project))
        .await
    {
        Ok(v) => v,
        Err(refused) => return form_page(&ctx, org, project, kind, f, Some(refused)).await,
    };
    let id = made["id"].as_str().unwrap_or_default().to_string();
    if f.grant_all {
        let permissions = format!(
            "/{}/{}/_apis/pipelines/pipelinePermissions/endpoint/{}",
            segment(&org),
            segment(&project),
            segment(&id)
        );
        let open = json!({"allPipelines": {"authorized": true}});
        if let Err(r) = ctx.api().patch(&permissions, &open).await {
            return ctx.refused(Refusal {
                message: format!(
                    "The service connection was created, but access for all pipelines was not granted: {}",
                    r.message
                ),
                ..r
            });
        }
    }
    view::to(&format!(
        "{}/connections/{}",
        project_page(&org, &project),
        segment(&id)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_group_narrows_the_subscription_scope() {
        let f = Fields {
            subscription: "s1".into(),
            resource_group: "rg".into(),
            name: "n".into(),
            ..Fields::defaults()
        };
        let b = f.body(Kind::AzureRm, "web");
        assert_eq!(b["data"]["scopeLevel"], "ResourceGroup");
        assert_eq!(b["data"]["creationMode"], "Automatic");
        assert_eq!(b["authorization"]["scheme"], "WorkloadIdentityFederation");
        assert_eq!(
            b["serviceEndpointProjectReferences"][0]["projectReference"]["name"],
            "web"
        );
        assert!(
            b["authorization"]["parameters"]
                .get("serviceprincipalid")
                .is_none()
        );
    }

    #[test]
    fn api_messages_find_their_field() {
        assert_eq!(
            field_of("authorization.parameters.serviceprincipalid must be a GUID, got 'x'."),
            Some("client")
        );
        assert_eq!(
            field_of("The service connection name must be 1 to 256 characters"),
            Some("name")
        );
        assert_eq!(field_of("You need the Creator role."), None);
    }
}

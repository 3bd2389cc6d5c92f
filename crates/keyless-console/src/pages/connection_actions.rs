//! The forms of a connection's access page: pipeline permissions (authorize or revoke one
//! pipeline, open to all or close), a security role added or removed, the connection shared
//! with a project or no longer. Each is one request to the API as the signed-in user, whose
//! roles decide; success goes back to the access page, a refusal shows it again with the
//! API's status and text.

use super::connection_extras::{Where, address, endpoint_path, render, shares_of};
use crate::api::Refusal;
use crate::paths::segment;
use crate::view::{self, Ctx, Posted};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// The roles of a service connection, as the API names them.
pub const ROLES: [&str; 4] = ["Reader", "User", "Creator", "Administrator"];

/// A request to the API that an action sends.
enum Call {
    Put(String, Value),
    Patch(String, Value),
    Delete(String),
}

/// Why an action sends nothing.
enum Stop {
    /// The form asks for nothing the API takes: what is wrong with it.
    Form(&'static str),
    /// The API refused a read the action needs.
    Refused(Refusal),
}

impl From<&'static str> for Stop {
    fn from(why: &'static str) -> Stop {
        Stop::Form(why)
    }
}

/// Checks the form's CSRF token and the connection id, builds the API request with `call`,
/// sends it, then goes back to the access page or shows it with the API's refusal.
async fn act(
    ctx: Ctx,
    Path((org, project, id)): Where,
    body: Bytes,
    call: impl AsyncFnOnce(&Ctx, &Posted, (&str, &str), uuid::Uuid) -> Result<Call, Stop>,
) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return ctx.not_found();
    };
    let (o, p) = (segment(&org), segment(&project));
    let call = match call(&ctx, &form, (&o, &p), id).await {
        Ok(c) => c,
        Err(Stop::Refused(r)) => return render(&ctx, org, project, id, Some(r)).await,
        Err(Stop::Form(why)) => {
            return view::message(
                StatusCode::BAD_REQUEST,
                ctx.chrome("Refused"),
                "The form was refused",
                &format!("{why} Nothing was changed."),
            );
        }
    };
    let api = ctx.api();
    let answer = match &call {
        Call::Put(path, body) => api.put(path, body).await,
        Call::Patch(path, body) => api.patch(path, body).await,
        Call::Delete(path) => api.delete(path).await,
    };
    match answer {
        Ok(_) => view::to(&format!(
            "{}/access",
            address(&org, &project, &id.to_string())
        )),
        Err(r) => render(&ctx, org, project, id, Some(r)).await,
    }
}

/// The permission change a form asks for: one pipeline authorized or revoked, or all opened
/// or closed.
fn change(form: &Posted) -> Option<Value> {
    match form.get("all") {
        "open" => return Some(json!({"allPipelines": {"authorized": true}})),
        "close" => return Some(json!({"allPipelines": {"authorized": false}})),
        _ => {}
    }
    let (field, authorized) = match form.get("revoke") {
        "" => ("pipeline", true),
        _ => ("revoke", false),
    };
    let pipeline: i64 = form.get(field).trim().parse().ok()?;
    Some(json!({"pipelines": [{"id": pipeline, "authorized": authorized}]}))
}

/// Changes the pipeline permissions (the API's Administrator role on the connection decides).
pub async fn set_pipelines(ctx: Ctx, at: Where, body: Bytes) -> Response {
    act(ctx, at, body, async |_, form, (o, p), id| {
        let patch = change(form).ok_or("A pipeline is named by its id, a number.")?;
        let path = format!("/{o}/{p}/_apis/pipelines/pipelinePermissions/endpoint/{id}");
        Ok(Call::Patch(path, patch))
    })
    .await
}

/// The role change a form asks for: `remove` (a user id) removes that user's role, else
/// `role` (one of [`ROLES`]) for `user` (an id or a user principal name) adds or replaces one.
fn role_change(form: &Posted) -> Result<(bool, Value), &'static str> {
    let remove = form.get("remove").trim();
    if !remove.is_empty() {
        return Ok((false, json!([remove])));
    }
    let role = form.get("role");
    if !ROLES.contains(&role) {
        return Err("Choose a role: Reader, User, Creator or Administrator.");
    }
    let user = form.get("user").trim();
    if user.is_empty() {
        return Err("Name the user by id or user principal name.");
    }
    Ok((true, json!([{"roleName": role, "userId": user}])))
}

/// Adds or removes a security role on the connection (the API's Administrator role decides).
/// The roles are those of the connection's own project (`{projectId}_{id}`).
pub async fn set_role(ctx: Ctx, at: Where, body: Bytes) -> Response {
    act(ctx, at, body, async |ctx, form, (o, p), id| {
        let (add, body) = role_change(form)?;
        // The resource is named by the connection's own project, read from the connection.
        let c = ctx
            .api()
            .get(&endpoint_path(o, p, id))
            .await
            .map_err(Stop::Refused)?;
        let home = shares_of(&c)
            .first()
            .map(|s| s.id.clone())
            .unwrap_or_default();
        Ok(roles_call(o, &home, id, add, body))
    })
    .await
}

fn roles_call(o: &str, home: &str, id: uuid::Uuid, add: bool, body: Value) -> Call {
    let path = format!(
        "/{o}/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/{}_{id}",
        segment(home)
    );
    match add {
        true => Call::Put(path, body),
        false => Call::Patch(path, body),
    }
}

/// Shares the connection with a project (`share`, its id) or stops sharing it (`unshare`),
/// as the API's Administrator role on the connection decides. The API's unshare is a DELETE
/// that deletes the connection when it names the connection's own project or no project it
/// knows, so only a project the connection is shared with, not its own, is sent.
pub async fn set_share(ctx: Ctx, at: Where, body: Bytes) -> Response {
    act(ctx, at, body, async |ctx, form, (o, p), id| {
        let endpoint = format!("/{o}/_apis/serviceendpoint/endpoints/{id}");
        let share = form.get("share").trim();
        if !share.is_empty() {
            let refs = json!([{"projectReference": {"id": share}}]);
            return Ok(Call::Patch(endpoint, refs));
        }
        let unshare = form.get("unshare").trim();
        if unshare.is_empty() {
            return Err("Choose a project to share the connection with.".into());
        }
        let c = ctx
            .api()
            .get(&endpoint_path(o, p, id))
            .await
            .map_err(Stop::Refused)?;
        if !shares_of(&c).iter().skip(1).any(|s| s.id == unshare) {
            return Err(
                "The connection is not shared with that project (its own project is not a share)."
                    .into(),
            );
        }
        Ok(Call::Delete(format!(
            "{endpoint}?projectIds={}",
            segment(unshare)
        )))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> Posted {
        Posted::parse(body.as_bytes())
    }

    #[test]
    fn a_form_asks_for_one_permission_change_or_none() {
        assert_eq!(
            change(&form("all=open")),
            Some(json!({"allPipelines": {"authorized": true}}))
        );
        assert_eq!(
            change(&form("all=close&pipeline=4")),
            Some(json!({"allPipelines": {"authorized": false}}))
        );
        assert_eq!(
            change(&form("pipeline=+7+")),
            Some(json!({"pipelines": [{"id": 7, "authorized": true}]}))
        );
        assert_eq!(
            change(&form("revoke=9")),
            Some(json!({"pipelines": [{"id": 9, "authorized": false}]}))
        );
        for bad in [
            "",
            "pipeline=",
            "pipeline=seven",
            "pipeline=1.5",
            "all=maybe",
            "revoke=x&pipeline=3",
        ] {
            assert_eq!(change(&form(bad)), None, "{bad}");
        }
    }

    #[test]
    fn a_form_asks_for_one_role_change_or_says_what_is_missing() {
        assert_eq!(
            role_change(&form("role=User&user=+a%40b+")),
            Ok((true, json!([{"roleName": "User", "userId": "a@b"}])))
        );
        assert_eq!(
            role_change(&form("remove=u-1&role=User")),
            Ok((false, json!(["u-1"])))
        );
        assert!(role_change(&form("role=Owner&user=a")).is_err());
        assert!(role_change(&form("role=User&user=+")).is_err());
    }
}

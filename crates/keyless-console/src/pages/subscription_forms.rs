//! The forms of one subscription's page: add and remove a role assignment, add and delete a
//! resource group. Each is sent to ARM with the user's ARM access token of this request;
//! ARM decides, and its refusal is shown with its status and text.

use super::subscription::{
    AUTHORIZATION_API, GROUPS_API, arm_access, page_path, scope_of, subscription_scope,
};
use crate::api::{Api, Refusal};
use crate::paths::segment;
use crate::view::{self, Ctx, Posted};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// What a form asks of ARM.
enum Change {
    Put(String, Value),
    Delete(String),
}

/// Checks the form's CSRF token, makes `change` with the user's ARM token, and goes back to
/// the page (at `anchor`), or shows the refusal.
async fn send(
    ctx: Ctx,
    id: &str,
    form: &Posted,
    anchor: &str,
    change: Result<Change, Refusal>,
) -> Response {
    if let Some(refused) = ctx.csrf_refusal(form) {
        return refused;
    }
    let change = match change {
        Ok(c) => c,
        Err(r) => return ctx.refused(r),
    };
    let (sub, token) = match arm_access(&ctx, id).await {
        Ok(found) => found,
        Err(r) => return ctx.refused(r),
    };
    let arm = Api::with_access_token(&ctx.state, &token);
    let done = match change {
        Change::Put(path, body) => arm.put(&path, &body).await,
        Change::Delete(path) => arm.delete(&path).await,
    };
    match done {
        Ok(_) => view::to(&format!("{}#{anchor}", page_path(&sub.id))),
        Err(r) => ctx.refused(r),
    }
}

fn bad(message: String) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        message,
    }
}

/// The anchor of a scope's section.
fn anchor(group: &str) -> String {
    match group {
        "" => "subscription".into(),
        g => format!("rg-{g}"),
    }
}

/// Assigns the chosen role to a principal at the subscription or one of its groups.
pub async fn add_assignment(ctx: Ctx, Path(id): Path<String>, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    let group = form.get("group");
    let principal = form.get("principal").trim();
    let change = if principal.is_empty() {
        Err(bad(
            "Give the object id of the principal to assign the role to.".into(),
        ))
    } else {
        let path = format!(
            "{}/providers/Microsoft.Authorization/roleAssignments/{}?{AUTHORIZATION_API}",
            scope_of(&id, group),
            uuid::Uuid::new_v4()
        );
        let body = json!({"properties": {
            "roleDefinitionId": form.get("role"),
            "principalId": principal,
        }});
        Ok(Change::Put(path, body))
    };
    send(ctx, &id, &form, &anchor(group), change).await
}

/// The ARM path of a role assignment of the subscription `sub`, from its id as listed
/// (`/subscriptions/{sub}[/resourceGroups/{group}]/providers/Microsoft.Authorization/
/// roleAssignments/{guid}`), its names encoded; `None` for anything else.
fn assignment_path(sub: &str, id: &str) -> Option<String> {
    let parts: Vec<&str> = id.split('/').collect();
    let (group, tail) = match parts.as_slice() {
        ["", s, i, rest @ ..] if s.eq_ignore_ascii_case("subscriptions") => {
            if !i.eq_ignore_ascii_case(sub) {
                return None;
            }
            match rest {
                [r, g, tail @ ..] if r.eq_ignore_ascii_case("resourceGroups") => (*g, tail),
                tail => ("", tail),
            }
        }
        _ => return None,
    };
    let name = match tail {
        [p, ns, kind, name]
            if p.eq_ignore_ascii_case("providers")
                && ns.eq_ignore_ascii_case("Microsoft.Authorization")
                && kind.eq_ignore_ascii_case("roleAssignments") =>
        {
            uuid::Uuid::parse_str(name).ok()?
        }
        _ => return None,
    };
    Some(format!(
        "{}/providers/Microsoft.Authorization/roleAssignments/{name}?{AUTHORIZATION_API}",
        scope_of(sub, group)
    ))
}

/// Deletes the role assignment the form names (one of this subscription's).
pub async fn remove_assignment(ctx: Ctx, Path(id): Path<String>, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    let assignment = form.get("assignment");
    let change = assignment_path(&id, assignment)
        .map(Change::Delete)
        .ok_or_else(|| {
            bad(format!(
                "'{assignment}' is not a role assignment of the subscription '{id}'."
            ))
        });
    send(ctx, &id, &form, &anchor(form.get("group")), change).await
}

fn group_path(id: &str, name: &str) -> String {
    format!(
        "{}/resourcegroups/{}?{GROUPS_API}",
        subscription_scope(id),
        segment(name)
    )
}

/// Creates a resource group (or updates its location, as ARM's `PUT` does).
pub async fn add_group(ctx: Ctx, Path(id): Path<String>, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    let name = form.get("name").trim();
    let change = Ok(Change::Put(
        group_path(&id, name),
        json!({"location": form.get("location").trim()}),
    ));
    send(ctx, &id, &form, &anchor(name), change).await
}

/// Deletes a resource group and what it holds.
pub async fn delete_group(ctx: Ctx, Path(id): Path<String>, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    let change = Ok(Change::Delete(group_path(&id, form.get("name"))));
    send(ctx, &id, &form, "groups", change).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "11111111-2222-3333-4444-555555555555";
    const A: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

    #[test]
    fn only_assignments_of_the_subscription_are_deleted() {
        let at_sub =
            format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/{A}");
        assert_eq!(
            assignment_path(SUB, &at_sub).as_deref(),
            Some(format!("{at_sub}?{AUTHORIZATION_API}").as_str())
        );
        let at_rg = format!(
            "/subscriptions/{SUB}/resourceGroups/a.b/providers/Microsoft.Authorization/roleAssignments/{A}"
        );
        assert_eq!(
            assignment_path(SUB, &at_rg).as_deref(),
            Some(format!(
                "/subscriptions/{SUB}/resourceGroups/a%2Eb/providers/Microsoft.Authorization/roleAssignments/{A}?{AUTHORIZATION_API}"
            ).as_str())
        );
        for other in [
            at_sub.replace(SUB, "99999999-2222-3333-4444-555555555555"),
            at_sub.replace(A, "not-a-guid"),
            format!("{at_sub}/x"),
            format!(
                "/subscriptions/{SUB}/resourceGroups/../../x/providers/Microsoft.Authorization/roleAssignments/{A}"
            ),
            format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{A}"),
            "/keyless/v1/pats".into(),
            String::new(),
        ] {
            assert_eq!(assignment_path(SUB, &other), None, "{other}");
        }
    }
}

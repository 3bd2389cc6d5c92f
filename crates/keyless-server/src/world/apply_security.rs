//! World files: project group memberships, and per connection its pipeline permissions,
//! the projects it is shared with and its per-connection roles. Applied after every project
//! of the organization exists (shares name other projects). Idempotent.

use super::WorldError;
use super::apply::{ProjectsByName, Report, api, err, lc};
use super::audited::{Change, write_at};
use super::schema::OrganizationSpec;
use crate::envelope::ApiError;
use crate::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::security::{EndpointRole, ProjectGroup};
use keyless_store::StoreError;
use serde_json::json;

/// `tenant/user` (or a full user principal name) to a user id.
pub(super) async fn user(s: &AppState, key: &str, path: &str) -> Result<Uuid, WorldError> {
    let upn = match key.split_once('/') {
        Some((t, u)) => {
            let tenant = s
                .shared_store()
                .find_tenant(t)
                .await
                .map_err(|_| err(path.to_string(), format!("unknown tenant '{t}'")))?;
            format!("{u}@{}", tenant.domain)
        }
        None => key.to_string(),
    };
    s.shared_store()
        .find_user_by_upn(&upn)
        .await
        .map(|u| u.id)
        .map_err(|_| err(path.to_string(), format!("unknown user '{key}'")))
}

fn store(path: &str, e: StoreError) -> WorldError {
    api(path, ApiError::from(e))
}

pub(super) async fn organization(
    s: &AppState,
    o: &OrganizationSpec,
    projects: &ProjectsByName,
    p: &str,
    r: &mut Report,
) -> Result<(), WorldError> {
    for (pi, pr) in o.projects.iter().enumerate() {
        let pp = format!("{p}.projects[{pi}]");
        let Some((project, conns)) = projects.get(&lc(&pr.name)) else {
            continue;
        };
        for (mi, m) in pr.members.iter().enumerate() {
            let mp = format!("{pp}.members[{mi}]");
            let group = ProjectGroup::parse(&m.group).ok_or_else(|| {
                err(
                    format!("{mp}.group"),
                    format!("unknown group '{}'", m.group),
                )
            })?;
            let u = user(s, &m.user, &format!("{mp}.user")).await?;
            let has = s
                .shared_store()
                .list_project_groups(project.id, u)
                .await
                .map_err(|e| store(&mp, e))?;
            if has.iter().any(|g| g == group.as_str()) {
                r.unchanged += 1;
                continue;
            }
            let change = Change::of(
                None,
                "addProjectMember",
                json!({"project": project.id, "user": u, "group": group.as_str()}),
            );
            write_at(s, change, &mp, async |w| {
                w.add_project_member(project.id, u, group.as_str()).await
            })
            .await?;
            r.changed(format!(
                "added {} to {} of {}/{}",
                m.user,
                group.as_str(),
                o.name,
                pr.name
            ));
        }
        for (ci, c) in pr.connections.iter().enumerate() {
            let cp = format!("{pp}.connections[{ci}]");
            let Some(conn) = conns.get(&lc(&c.name)) else {
                continue;
            };
            if let Some(names) = &c.pipelines {
                let current = s
                    .shared_store()
                    .get_pipeline_permissions(conn.id)
                    .await
                    .map_err(|e| store(&cp, e))?;
                if current.all_pipelines {
                    let change = Change::of(
                        Some(conn.tenant_id),
                        "allPipelines",
                        json!({"connection": conn.id, "allPipelines": false}),
                    );
                    write_at(s, change, &cp, async |w| {
                        w.set_all_pipelines(conn.id, false, None, s.now()).await
                    })
                    .await?;
                    r.changed(format!("restricted {} to authorized pipelines", c.name));
                }
                for (qi, n) in names.iter().enumerate() {
                    let qp = format!("{cp}.pipelines[{qi}]");
                    let pl = s
                        .shared_store()
                        .find_pipeline(project.id, n)
                        .await
                        .map_err(|_| err(qp.clone(), format!("unknown pipeline '{n}'")))?;
                    if current.pipelines.iter().any(|a| a.pipeline_id == pl.id) {
                        r.unchanged += 1;
                        continue;
                    }
                    let change = Change::of(
                        Some(conn.tenant_id),
                        "authorizePipeline",
                        json!({"connection": conn.id, "pipeline": pl.id}),
                    );
                    write_at(s, change, &qp, async |w| {
                        w.authorize_pipeline(conn.id, pl.id, None, s.now()).await
                    })
                    .await?;
                    r.changed(format!("authorized pipeline {n} on {}", c.name));
                }
            }
            let shares = s
                .shared_store()
                .list_connection_shares(conn.id)
                .await
                .map_err(|e| store(&cp, e))?;
            for (si, name) in c.shared_with.iter().enumerate() {
                let sp = format!("{cp}.sharedWith[{si}]");
                let (target, _) = projects
                    .get(&lc(name))
                    .ok_or_else(|| err(sp.clone(), format!("unknown project '{name}'")))?;
                if target.id == project.id || shares.contains(&target.id) {
                    r.unchanged += 1;
                    continue;
                }
                let change = Change::of(
                    Some(conn.tenant_id),
                    "shared",
                    json!({"connection": conn.id, "project": target.id}),
                );
                write_at(s, change, &sp, async |w| {
                    w.share_connection(conn.id, target.id).await
                })
                .await?;
                r.changed(format!("shared {} with {name}", c.name));
            }
            for (ri, rs) in c.roles.iter().enumerate() {
                let rp = format!("{cp}.roles[{ri}]");
                let role = EndpointRole::parse(&rs.role).ok_or_else(|| {
                    err(format!("{rp}.role"), format!("unknown role '{}'", rs.role))
                })?;
                let u = user(s, &rs.user, &format!("{rp}.user")).await?;
                let had = s
                    .shared_store()
                    .get_connection_role(conn.id, u)
                    .await
                    .map_err(|e| store(&rp, e))?;
                if had.as_deref() == Some(role.as_str()) {
                    r.unchanged += 1;
                    continue;
                }
                let change = Change::of(
                    Some(conn.tenant_id),
                    "rolesSet",
                    json!({"connection": conn.id, "user": u, "role": role.as_str()}),
                );
                write_at(s, change, &rp, async |w| {
                    w.set_connection_role(conn.id, u, role.as_str()).await
                })
                .await?;
                r.changed(format!(
                    "gave {} the {} role on {}",
                    rs.user,
                    role.as_str(),
                    c.name
                ));
            }
        }
    }
    Ok(())
}

/// The checks that need no store: group and role names, and that named pipelines and
/// projects are defined in the file (run by validation, before anything is written).
pub(super) fn validate_project(
    o: &OrganizationSpec,
    pr: &super::schema::ProjectSpec,
    pp: &str,
) -> Result<(), WorldError> {
    for (mi, m) in pr.members.iter().enumerate() {
        if ProjectGroup::parse(&m.group).is_none() {
            return Err(err(
                format!("{pp}.members[{mi}].group"),
                format!("unknown group '{}'", m.group),
            ));
        }
    }
    for (ci, c) in pr.connections.iter().enumerate() {
        let cp = format!("{pp}.connections[{ci}]");
        for (qi, n) in c.pipelines.iter().flatten().enumerate() {
            if !pr.pipelines.iter().any(|p| lc(&p.name) == lc(n)) {
                return Err(err(
                    format!("{cp}.pipelines[{qi}]"),
                    format!("unknown pipeline '{n}' in this project"),
                ));
            }
        }
        for (si, n) in c.shared_with.iter().enumerate() {
            if !o.projects.iter().any(|p| lc(&p.name) == lc(n)) {
                return Err(err(
                    format!("{cp}.sharedWith[{si}]"),
                    format!("unknown project '{n}'"),
                ));
            }
        }
        for (ri, r) in c.roles.iter().enumerate() {
            if EndpointRole::parse(&r.role).is_none() {
                return Err(err(
                    format!("{cp}.roles[{ri}].role"),
                    format!("unknown role '{}'", r.role),
                ));
            }
        }
    }
    Ok(())
}

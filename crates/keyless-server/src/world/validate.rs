//! Checking a whole world before anything is written: names, duplicates, and every
//! reference (to the file or to what the store already holds), each error at its field.

use super::WorldError;
use super::apply::{api, err, lc, role_of};
use super::schema::*;
use crate::admin::ops;
use crate::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::IssuerGeneration;
use keyless_model::directory::Cloud;
use keyless_model::federation::{TOKEN_EXCHANGE_AUDIENCE, validate_fic_fields, validate_fic_name};
use std::collections::HashSet;

#[derive(Default)]
struct Names {
    tenants: HashSet<String>,
    apps: HashSet<(String, String)>,
    users: HashSet<(String, String)>,
    subs: HashSet<(String, String)>,
    rgs: HashSet<(String, String, String)>,
    connections: HashSet<(String, String, String)>,
}

fn dup(seen: &mut HashSet<String>, path: String, name: &str) -> Result<(), WorldError> {
    if seen.insert(lc(name)) {
        Ok(())
    } else {
        Err(err(path, format!("'{name}' is defined twice")))
    }
}

pub(super) async fn validate(s: &AppState, w: &World) -> Result<(), WorldError> {
    let mut n = Names::default();
    let mut seen = HashSet::new();
    for (ti, t) in w.tenants.iter().enumerate() {
        let p = format!("tenants[{ti}]");
        ops::check_short_name("tenant", &t.name).map_err(|e| api(&format!("{p}.name"), e))?;
        dup(&mut seen, format!("{p}.name"), &t.name)?;
        if let Some(c) = &t.cloud
            && Cloud::parse(c).is_none()
        {
            return Err(err(format!("{p}.cloud"), "use public, usgov or china"));
        }
        n.tenants.insert(lc(&t.name));
        let mut names = HashSet::new();
        for (ui, u) in t.users.iter().enumerate() {
            ops::check_short_name("user", &u.name)
                .map_err(|e| api(&format!("{p}.users[{ui}].name"), e))?;
            dup(&mut names, format!("{p}.users[{ui}].name"), &u.name)?;
            n.users.insert((lc(&t.name), lc(&u.name)));
        }
        let mut names = HashSet::new();
        for (ai, a) in t.apps.iter().enumerate() {
            let ap = format!("{p}.apps[{ai}]");
            if a.name.trim().is_empty() {
                return Err(err(format!("{ap}.name"), "an app needs a name"));
            }
            dup(&mut names, format!("{ap}.name"), &a.name)?;
            if let Some(aud) = &a.sign_in_audience
                && !["AzureADMyOrg", "AzureADMultipleOrgs"].contains(&aud.as_str())
            {
                return Err(err(
                    format!("{ap}.signInAudience"),
                    "use AzureADMyOrg or AzureADMultipleOrgs",
                ));
            }
            n.apps.insert((lc(&t.name), lc(&a.name)));
        }
        let mut names = HashSet::new();
        for (si, sub) in t.subscriptions.iter().enumerate() {
            dup(
                &mut names,
                format!("{p}.subscriptions[{si}].name"),
                &sub.name,
            )?;
            n.subs.insert((lc(&t.name), lc(&sub.name)));
            for (ri, rg) in sub.resource_groups.iter().enumerate() {
                if !crate::arm::valid_rg_name(&rg.name) {
                    return Err(err(
                        format!("{p}.subscriptions[{si}].resourceGroups[{ri}].name"),
                        "not a valid resource group name",
                    ));
                }
                crate::arm::validate::tags(&rg.tags).map_err(|e| {
                    api(
                        &format!("{p}.subscriptions[{si}].resourceGroups[{ri}].tags"),
                        e,
                    )
                })?;
                n.rgs.insert((lc(&t.name), lc(&sub.name), lc(&rg.name)));
            }
        }
    }
    let mut orgs = HashSet::new();
    for (oi, o) in w.organizations.iter().enumerate() {
        let p = format!("organizations[{oi}]");
        ops::check_short_name("organization", &o.name).map_err(|e| api(&format!("{p}.name"), e))?;
        dup(&mut orgs, format!("{p}.name"), &o.name)?;
        super::apply_org::validate(o, &p)?;
        if let Some(c) = &o.cloud
            && Cloud::parse(c).is_none()
        {
            return Err(err(format!("{p}.cloud"), "use public, usgov or china"));
        }
        if let Some(t) = &o.tenant {
            tenant_exists(s, &n, t)
                .await
                .map_err(|m| err(format!("{p}.tenant"), m))?;
        }
        let mut projects = HashSet::new();
        for (pi, pr) in o.projects.iter().enumerate() {
            let pp = format!("{p}.projects[{pi}]");
            ops::check_short_name("project", &pr.name)
                .map_err(|e| api(&format!("{pp}.name"), e))?;
            dup(&mut projects, format!("{pp}.name"), &pr.name)?;
            let mut conns = HashSet::new();
            for (ci, c) in pr.connections.iter().enumerate() {
                let cp = format!("{pp}.connections[{ci}]");
                dup(&mut conns, format!("{cp}.name"), &c.name)?;
                match c.scheme.as_deref() {
                    None | Some("WorkloadIdentityFederation" | "ManagedServiceIdentity") => {}
                    Some(_) => {
                        return Err(err(
                            format!("{cp}.scheme"),
                            "use WorkloadIdentityFederation or ManagedServiceIdentity",
                        ));
                    }
                }
                if c.managed_identity() {
                    // The identity is the agent VM's: the connection names its tenant only.
                    if c.app.is_some() || c.issuer.is_some() {
                        return Err(err(
                            cp,
                            "a ManagedServiceIdentity connection names no app and no issuer: the identity is the agent VM's",
                        ));
                    }
                    let Some(t) = &c.tenant else {
                        return Err(err(
                            format!("{cp}.tenant"),
                            "a ManagedServiceIdentity connection names its tenant",
                        ));
                    };
                    tenant_exists(s, &n, t)
                        .await
                        .map_err(|e| err(format!("{cp}.tenant"), e))?;
                } else {
                    if c.tenant.is_some() {
                        return Err(err(
                            format!("{cp}.tenant"),
                            "only a ManagedServiceIdentity connection names a tenant: write the identity as app: tenant/app",
                        ));
                    }
                    let Some((t, a)) = c.app.as_deref().and_then(|a| a.split_once('/')) else {
                        return Err(err(format!("{cp}.app"), "write the identity as tenant/app"));
                    };
                    if !n.apps.contains(&(lc(t), lc(a))) && !app_in_store(s, t, a).await {
                        return Err(err(
                            format!("{cp}.app"),
                            format!("no app '{a}' in tenant '{t}'"),
                        ));
                    }
                }
                let t = c.tenant_name();
                if let Some(sub) = &c.subscription
                    && !n.subs.contains(&(lc(t), lc(sub)))
                    && !sub_in_store(s, t, sub).await
                {
                    return Err(err(
                        format!("{cp}.subscription"),
                        format!("no subscription '{sub}' in tenant '{t}'"),
                    ));
                }
                if let Some(i) = &c.issuer
                    && IssuerGeneration::parse(i).is_none()
                {
                    return Err(err(format!("{cp}.issuer"), "use entra, devops or legacy"));
                }
                if !c.managed_identity()
                    && c.issuer
                        .as_deref()
                        .and_then(IssuerGeneration::parse)
                        .unwrap_or_default()
                        == IssuerGeneration::EntraId
                    && o.tenant.is_none()
                {
                    return Err(err(
                        format!("{cp}.issuer"),
                        "the Entra issuer needs the organization to name its tenant (organizations[].tenant), or use issuer: devops",
                    ));
                }
                n.connections
                    .insert((lc(&o.name), lc(&pr.name), lc(&c.name)));
            }
            for (qi, pl) in pr.pipelines.iter().enumerate() {
                let at = format!("{pp}.pipelines[{qi}]");
                let def = pl.definition(&w.files).map_err(|m| err(at.clone(), m))?;
                crate::devops::runs::compile(&def).map_err(|e| {
                    err(
                        format!("{at}.{}", if pl.file.is_some() { "file" } else { "yaml" }),
                        e.rendered.message,
                    )
                })?;
            }
            super::apply_security::validate_project(o, pr, &pp)?;
        }
    }
    for (ti, t) in w.tenants.iter().enumerate() {
        for (ai, a) in t.apps.iter().enumerate() {
            let mut names = HashSet::new();
            for (fi, f) in a.federated_credentials.iter().enumerate() {
                let fp = format!("tenants[{ti}].apps[{ai}].federatedCredentials[{fi}]");
                validate_fic_name(&f.name).map_err(|m| err(format!("{fp}.name"), m))?;
                dup(&mut names, format!("{fp}.name"), &f.name)?;
                match (&f.connection, &f.issuer, &f.subject) {
                    (Some(c), None, None) => {
                        let parts: Vec<&str> = c.split('/').collect();
                        if parts.len() != 3
                            || !n
                                .connections
                                .contains(&(lc(parts[0]), lc(parts[1]), lc(parts[2])))
                        {
                            return Err(err(
                                format!("{fp}.connection"),
                                format!(
                                    "no connection '{c}' (write organization/project/connection, defined in this file)"
                                ),
                            ));
                        }
                    }
                    (None, Some(i), Some(sub)) => {
                        let auds = f
                            .audiences
                            .clone()
                            .unwrap_or_else(|| vec![TOKEN_EXCHANGE_AUDIENCE.into()]);
                        validate_fic_fields(i, Some(sub), &auds, false)
                            .map_err(|m| err(format!("{fp}.issuer"), m))?;
                    }
                    _ => return Err(err(fp, "give either connection, or issuer and subject")),
                }
            }
        }
        for (si, sub) in t.subscriptions.iter().enumerate() {
            for (ri, r) in sub.role_assignments.iter().enumerate() {
                let rp = format!("tenants[{ti}].subscriptions[{si}].roleAssignments[{ri}]");
                if role_of(&r.role).is_none() {
                    return Err(err(format!("{rp}.role"), format!("no role '{}'", r.role)));
                }
                match (&r.app, &r.user) {
                    (Some(a), None)
                        if n.apps.contains(&(lc(&t.name), lc(a)))
                            || app_in_store(s, &t.name, a).await => {}
                    (None, Some(u))
                        if n.users.contains(&(lc(&t.name), lc(u)))
                            || user_in_store(s, &t.name, u).await => {}
                    (Some(a), None) => {
                        return Err(err(
                            format!("{rp}.app"),
                            format!("no app '{a}' in this tenant"),
                        ));
                    }
                    (None, Some(u)) => {
                        return Err(err(
                            format!("{rp}.user"),
                            format!("no user '{u}' in this tenant"),
                        ));
                    }
                    _ => return Err(err(rp, "name exactly one of app or user")),
                }
                if let Some(rg) = &r.resource_group
                    && !n.rgs.contains(&(lc(&t.name), lc(&sub.name), lc(rg)))
                {
                    return Err(err(
                        format!("{rp}.resourceGroup"),
                        format!("no resource group '{rg}' in this subscription"),
                    ));
                }
            }
        }
    }
    directory(s, w, &n).await
}

/// Guests and directory roles, once every tenant's users and apps are known (a guest may
/// come from a tenant declared further down).
async fn directory(s: &AppState, w: &World, n: &Names) -> Result<(), WorldError> {
    for (ti, t) in w.tenants.iter().enumerate() {
        let p = format!("tenants[{ti}]");
        for (gi, g) in t.guests.iter().enumerate() {
            let gp = format!("{p}.guests[{gi}]");
            let Some((local, domain)) = g.split_once('@') else {
                return Err(err(
                    gp,
                    "name a guest by their full user principal name (alice@fabrikam.onmicrosoft.com)",
                ));
            };
            let declared = domain
                .to_ascii_lowercase()
                .strip_suffix(".onmicrosoft.com")
                .is_some_and(|home| n.users.contains(&(home.to_string(), lc(local))));
            if !declared && s.shared_store().find_user_by_upn(g).await.is_err() {
                return Err(err(gp, format!("no user '{g}' in any tenant")));
            }
        }
        for (ri, role) in t.directory_roles.iter().enumerate() {
            let rp = format!("{p}.directoryRoles[{ri}]");
            crate::admin::directory::parse_role(&role.role)
                .map_err(|e| api(&format!("{rp}.role"), e))?;
            match (&role.user, &role.app) {
                (Some(u), None) if u.contains('@') => {
                    let guest = t.guests.iter().any(|g| g.eq_ignore_ascii_case(u));
                    if !guest && s.shared_store().find_user_by_upn(u).await.is_err() {
                        return Err(err(format!("{rp}.user"), format!("no user '{u}'")));
                    }
                }
                (Some(u), None) => {
                    if !n.users.contains(&(lc(&t.name), lc(u)))
                        && !user_in_store(s, &t.name, u).await
                    {
                        return Err(err(
                            format!("{rp}.user"),
                            format!("no user '{u}' in this tenant"),
                        ));
                    }
                }
                (None, Some(a)) => {
                    let by_app_id = match Uuid::parse_str(a) {
                        Ok(id) => s
                            .shared_store()
                            .find_application_by_app_id(id)
                            .await
                            .is_ok(),
                        Err(_) => false,
                    };
                    if !n.apps.contains(&(lc(&t.name), lc(a)))
                        && !by_app_id
                        && !app_in_store(s, &t.name, a).await
                    {
                        return Err(err(
                            format!("{rp}.app"),
                            format!("no app '{a}' in this tenant"),
                        ));
                    }
                }
                _ => return Err(err(rp, "name exactly one of user or app")),
            }
        }
    }
    Ok(())
}

async fn tenant_exists(s: &AppState, n: &Names, t: &str) -> Result<(), String> {
    if n.tenants.contains(&lc(t)) || s.shared_store().find_tenant(t).await.is_ok() {
        Ok(())
    } else {
        Err(format!("no tenant '{t}'"))
    }
}

async fn app_in_store(s: &AppState, tenant: &str, app: &str) -> bool {
    match s.shared_store().find_tenant(tenant).await {
        Ok(t) => s
            .shared_store()
            .find_application_by_name(t.id, app)
            .await
            .is_ok(),
        Err(_) => false,
    }
}

async fn user_in_store(s: &AppState, tenant: &str, user: &str) -> bool {
    match s.shared_store().find_tenant(tenant).await {
        Ok(t) => s
            .shared_store()
            .find_user_by_upn(&format!("{user}@{}", t.domain))
            .await
            .is_ok(),
        Err(_) => false,
    }
}

async fn sub_in_store(s: &AppState, tenant: &str, sub: &str) -> bool {
    match s.shared_store().find_tenant(tenant).await {
        Ok(t) => s
            .shared_store()
            .list_subscriptions()
            .await
            .map(|subs| {
                subs.iter()
                    .any(|x| x.tenant_id == t.id && x.display_name.eq_ignore_ascii_case(sub))
            })
            .unwrap_or(false),
        Err(_) => false,
    }
}

//! Applying one tenant of a world: the tenant and its settings, users, apps (with their
//! service principals), subscriptions and resource groups.

use super::WorldError;
use super::apply::{Report, ensure_principal, find_sub, resource_group};
use super::audited::{Change, write};
use super::schema::TenantSpec;
use crate::admin::ops;
use crate::state::AppState;
use keyless_model::Uuid;
use keyless_model::arm::ResourceGroup;
use keyless_model::directory::{Application, Cloud, Tenant};

fn fail(path: String, message: String) -> WorldError {
    WorldError {
        path,
        line: None,
        message,
    }
}

pub(super) async fn tenant(
    s: &AppState,
    t: &TenantSpec,
    ti: usize,
    r: &mut Report,
) -> Result<Tenant, WorldError> {
    let p = format!("tenants[{ti}]");
    let api =
        |path: String| move |e: crate::envelope::ApiError| fail(path.clone(), e.rendered.message);
    let store =
        |path: String| move |e: keyless_store::StoreError| fail(path.clone(), e.to_string());
    let cloud = t
        .cloud
        .as_deref()
        .and_then(Cloud::parse)
        .unwrap_or_default();
    let tenant = match s.shared_store().find_tenant(&t.name).await {
        Ok(existing) => {
            if t.id.is_some_and(|id| id != existing.id) {
                return Err(fail(
                    format!("{p}.id"),
                    format!("the tenant '{}' exists with id {}", t.name, existing.id),
                ));
            }
            if let Some(settings) = &t.settings
                && settings != &existing.settings
            {
                let change = Change::of(Some(existing.id), "updateTenantSettings", existing.id);
                write(s, change, async |u| {
                    u.update_tenant_settings(existing.id, settings).await
                })
                .await
                .map_err(store(format!("{p}.settings")))?;
                r.changes
                    .push(format!("updated settings of tenant {}", t.name));
            } else {
                r.unchanged += 1;
            }
            s.shared_store()
                .get_tenant(existing.id)
                .await
                .map_err(store(p.clone()))?
        }
        Err(_) => {
            let created = ops::create_tenant(
                s,
                ops::NewTenant {
                    name: t.name.clone(),
                    id: t.id,
                    display_name: t.display_name.clone(),
                    cloud,
                    settings: t.settings.clone().unwrap_or_default(),
                },
            )
            .await
            .map_err(api(p.clone()))?;
            r.changes
                .push(format!("created tenant {} ({})", t.name, created.id));
            created
        }
    };
    for (ui, u) in t.users.iter().enumerate() {
        let upn = format!("{}@{}", u.name, tenant.domain);
        if s.shared_store().find_user_by_upn(&upn).await.is_ok() {
            r.unchanged += 1;
            continue;
        }
        ops::create_user(s, &tenant, &u.name, u.display_name.clone(), u.admin)
            .await
            .map_err(api(format!("{p}.users[{ui}]")))?;
        r.changes.push(format!("created user {upn}"));
    }
    for (ai, a) in t.apps.iter().enumerate() {
        let ap = format!("{p}.apps[{ai}]");
        let audience = a
            .sign_in_audience
            .clone()
            .unwrap_or_else(|| "AzureADMyOrg".into());
        let app = match s
            .shared_store()
            .find_application_by_name(tenant.id, &a.name)
            .await
        {
            Ok(mut existing) => {
                if a.app_id.is_some_and(|id| id != existing.app_id) {
                    return Err(fail(
                        format!("{ap}.appId"),
                        format!("the app '{}' exists with appId {}", a.name, existing.app_id),
                    ));
                }
                if existing.enabled != a.enabled || existing.sign_in_audience != audience {
                    existing.enabled = a.enabled;
                    existing.sign_in_audience = audience;
                    let change = Change::of(Some(tenant.id), "updateApplication", existing.id);
                    write(s, change, async |u| u.update_application(&existing).await)
                        .await
                        .map_err(store(ap.clone()))?;
                    r.changes.push(format!("updated app {}", a.name));
                } else {
                    r.unchanged += 1;
                }
                existing
            }
            Err(_) => {
                let app = Application {
                    id: Uuid::new_v4(),
                    app_id: a.app_id.unwrap_or_else(Uuid::new_v4),
                    tenant_id: tenant.id,
                    display_name: a.name.clone(),
                    sign_in_audience: audience,
                    enabled: a.enabled,
                    created_by: None,
                    owners: Vec::new(),
                    created_at: s.now(),
                    identifier_uris: Vec::new(),
                    api: Default::default(),
                };
                let change = Change::of(Some(tenant.id), "createApplication", app.id);
                write(s, change, async |u| u.create_application(&app).await)
                    .await
                    .map_err(store(format!("{ap}.appId")))?;
                r.changes
                    .push(format!("created app {} ({})", a.name, app.app_id));
                app
            }
        };
        if ensure_principal(s, &tenant, &app)
            .await
            .map_err(store(ap.clone()))?
        {
            r.changes
                .push(format!("created service principal of {}", a.name));
        }
    }
    for (si, sub) in t.subscriptions.iter().enumerate() {
        let sp = format!("{p}.subscriptions[{si}]");
        let subscription = match find_sub(s, &tenant, &sub.name).await {
            Ok(existing) => {
                if sub.id.is_some_and(|id| id != existing.id) {
                    return Err(fail(
                        format!("{sp}.id"),
                        format!(
                            "the subscription '{}' exists with id {}",
                            sub.name, existing.id
                        ),
                    ));
                }
                r.unchanged += 1;
                existing
            }
            Err(_) => {
                let created = ops::create_subscription(s, &tenant, &sub.name, sub.id)
                    .await
                    .map_err(api(sp.clone()))?;
                r.changes.push(format!(
                    "created subscription {} ({})",
                    sub.name, created.id
                ));
                created
            }
        };
        for (ri, rg) in sub.resource_groups.iter().enumerate() {
            let rp = format!("{sp}.resourceGroups[{ri}]");
            match s
                .shared_store()
                .get_resource_group(subscription.id, &rg.name)
                .await
            {
                Ok(existing) if existing.location == rg.location && existing.tags == rg.tags => {
                    r.unchanged += 1
                }
                Ok(existing) => {
                    let mut g = resource_group(subscription.id, rg, existing.created_at);
                    g.name = existing.name;
                    put_group(s, &tenant, &g).await.map_err(store(rp))?;
                    r.changes
                        .push(format!("updated resource group {}", rg.name));
                }
                Err(_) => {
                    let g = resource_group(subscription.id, rg, s.now());
                    put_group(s, &tenant, &g).await.map_err(store(rp))?;
                    r.changes
                        .push(format!("created resource group {}", rg.name));
                }
            }
        }
    }
    Ok(tenant)
}

/// Creates or replaces a resource group, audited under its ARM id.
async fn put_group(
    s: &AppState,
    tenant: &Tenant,
    g: &ResourceGroup,
) -> Result<(), keyless_store::StoreError> {
    let change = Change::of(Some(tenant.id), "putResourceGroup", g.arm_id());
    write(s, change, async |u| {
        u.put_resource_group(g).await.map(|_| ())
    })
    .await
}

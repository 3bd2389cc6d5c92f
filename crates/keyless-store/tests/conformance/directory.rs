//! Tenants, users, applications, service principals and the application cascade.

use crate::fixtures::*;
use keyless_model::directory::TenantSettings;
use keyless_store::{Store, conflict};

pub async fn tenants_crud(s: &dyn Store) {
    let t = add_tenant(s, "Contoso").await;
    assert_eq!(s.get_tenant(t.id).await.unwrap(), t);
    assert_eq!(s.find_tenant("contoso").await.unwrap(), t);
    assert_eq!(s.find_tenant("CONTOSO.onmicrosoft.COM").await.unwrap(), t);
    assert_not_found(s.find_tenant("fabrikam").await);

    let f = add_tenant(s, "fabrikam").await;
    assert_eq!(s.list_tenants().await.unwrap(), vec![t.clone(), f.clone()]);

    let mut settings = TenantSettings {
        secret_lifetime_days: 30,
        ..TenantSettings::default()
    };
    settings.federation.enabled = false;
    settings.federation.allowed_issuers_for_apps = Some(vec!["https://issuer.example".into()]);
    settings.access_token_algorithm = keyless_model::directory::AccessTokenAlgorithm::Es256;
    s.update_tenant_settings(t.id, &settings).await.unwrap();
    assert_eq!(s.get_tenant(t.id).await.unwrap().settings, settings);
    assert_not_found(s.update_tenant_settings(new_id(), &settings).await);
}

pub async fn tenant_conflicts(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let same_name = tenant("CONTOSO");
    assert_conflict(s.create_tenant(&same_name).await, conflict::TENANT_NAME);
    let mut same_domain = tenant("other");
    same_domain.domain = "Contoso.OnMicrosoft.com".into();
    assert_conflict(s.create_tenant(&same_domain).await, conflict::TENANT_NAME);
    let mut same_id = tenant("third");
    same_id.id = t.id;
    assert_conflict(s.create_tenant(&same_id).await, conflict::DUPLICATE_ID);
    assert_eq!(s.list_tenants().await.unwrap(), vec![t]);
}

pub async fn users_crud(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let other = add_tenant(s, "fabrikam").await;
    let mut alice = user(t.id, "Alice@contoso.onmicrosoft.com");
    alice.is_admin = true;
    let bob = user(t.id, "bob@contoso.onmicrosoft.com");
    let carol = user(other.id, "carol@fabrikam.onmicrosoft.com");
    for u in [&bob, &alice, &carol] {
        s.create_user(u).await.unwrap();
    }
    assert_eq!(s.get_user(alice.id).await.unwrap(), alice);
    assert_eq!(
        s.find_user_by_upn("ALICE@contoso.onmicrosoft.com")
            .await
            .unwrap(),
        alice
    );
    assert_not_found(s.find_user_by_upn("dave@contoso.onmicrosoft.com").await);
    assert_eq!(
        s.list_users(t.id).await.unwrap(),
        vec![alice.clone(), bob.clone()]
    );
    assert_eq!(s.list_users(new_id()).await.unwrap(), vec![]);

    let dup = user(other.id, "alice@CONTOSO.onmicrosoft.com");
    assert_conflict(s.create_user(&dup).await, conflict::USER_UPN);
    let mut same_id = user(t.id, "eve@contoso.onmicrosoft.com");
    same_id.id = bob.id;
    assert_conflict(s.create_user(&same_id).await, conflict::DUPLICATE_ID);
    // A user in a tenant that does not exist.
    assert_not_found(s.create_user(&user(new_id(), "x@nowhere.example")).await);
}

pub async fn applications_crud(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let mut web = application(t.id, "Web App");
    web.created_by = Some(new_id());
    let api = application(t.id, "api");
    s.create_application(&web).await.unwrap();
    s.create_application(&api).await.unwrap();
    assert_eq!(s.get_application(web.id).await.unwrap(), web);
    assert_eq!(s.find_application_by_app_id(web.app_id).await.unwrap(), web);
    assert_eq!(
        s.find_application_by_name(t.id, "WEB app").await.unwrap(),
        web
    );
    assert_not_found(s.find_application_by_name(new_id(), "web app").await);
    assert_not_found(s.find_application_by_app_id(web.id).await);
    assert_eq!(
        s.list_applications(t.id).await.unwrap(),
        vec![api.clone(), web.clone()]
    );

    let mut renamed = web.clone();
    renamed.display_name = "Website".into();
    renamed.enabled = false;
    renamed.sign_in_audience = "AzureADMultipleOrgs".into();
    s.update_application(&renamed).await.unwrap();
    assert_eq!(s.get_application(web.id).await.unwrap(), renamed);
    assert_eq!(
        s.find_application_by_name(t.id, "website").await.unwrap(),
        renamed
    );
    assert_not_found(s.update_application(&application(t.id, "ghost")).await);

    let mut same_app_id = application(t.id, "copy");
    same_app_id.app_id = web.app_id;
    assert_conflict(s.create_application(&same_app_id).await, conflict::APP_ID);
    let mut same_id = application(t.id, "copy");
    same_id.id = web.id;
    assert_conflict(s.create_application(&same_id).await, conflict::DUPLICATE_ID);
}

pub async fn service_principals_crud(s: &dyn Store) {
    let home = add_tenant(s, "contoso").await;
    let guest = add_tenant(s, "fabrikam").await;
    let app = add_application(s, home.id, "multi").await;
    let sp_home = service_principal(home.id, app.app_id, "multi");
    let mut sp_guest = service_principal(guest.id, app.app_id, "multi");
    sp_guest.alternative_names = vec!["isExplicit=False".into(), "/subscriptions/x".into()];
    s.create_service_principal(&sp_home).await.unwrap();
    s.create_service_principal(&sp_guest).await.unwrap();
    assert_eq!(
        s.get_service_principal(sp_guest.id).await.unwrap(),
        sp_guest
    );
    assert_eq!(
        s.find_service_principal(home.id, app.app_id).await.unwrap(),
        sp_home
    );
    assert_not_found(s.find_service_principal(home.id, new_id()).await);
    assert_eq!(
        s.list_service_principals(guest.id).await.unwrap(),
        vec![sp_guest.clone()]
    );

    let again = service_principal(home.id, app.app_id, "again");
    assert_conflict(
        s.create_service_principal(&again).await,
        conflict::SERVICE_PRINCIPAL,
    );
    let mut same_id = service_principal(home.id, new_id(), "x");
    same_id.id = sp_home.id;
    assert_conflict(
        s.create_service_principal(&same_id).await,
        conflict::DUPLICATE_ID,
    );

    let mut updated = sp_home.clone();
    updated.account_enabled = false;
    updated.display_name = "renamed".into();
    updated.alternative_names = vec!["a".into()];
    s.update_service_principal(&updated).await.unwrap();
    assert_eq!(s.get_service_principal(sp_home.id).await.unwrap(), updated);
    assert_not_found(s.update_service_principal(&again).await);

    // Deleting a principal takes its role assignments (and nobody else's) with it.
    let role = new_id();
    let scope = format!("/subscriptions/{}", new_id());
    let mine = assignment(&scope, role, sp_home.id);
    let theirs = assignment(&scope, role, sp_guest.id);
    s.create_role_assignment(&mine).await.unwrap();
    s.create_role_assignment(&theirs).await.unwrap();
    s.delete_service_principal(sp_home.id).await.unwrap();
    assert_not_found(s.get_service_principal(sp_home.id).await);
    assert_not_found(s.get_role_assignment(mine.id).await);
    assert_eq!(s.get_role_assignment(theirs.id).await.unwrap(), theirs);
    assert_not_found(s.delete_service_principal(sp_home.id).await);
    // The application itself is untouched.
    assert_eq!(s.get_application(app.id).await.unwrap(), app);
}

pub async fn delete_application_cascades(s: &dyn Store) {
    let home = add_tenant(s, "contoso").await;
    let guest = add_tenant(s, "fabrikam").await;
    let app = add_application(s, home.id, "doomed").await;
    let keep = add_application(s, home.id, "kept").await;
    let sp1 = service_principal(home.id, app.app_id, "doomed");
    let sp2 = service_principal(guest.id, app.app_id, "doomed");
    let sp_keep = service_principal(home.id, keep.app_id, "kept");
    for sp in [&sp1, &sp2, &sp_keep] {
        s.create_service_principal(sp).await.unwrap();
    }
    let secret = password(app.id, NOW);
    let kept_secret = password(keep.id, NOW);
    s.add_password(&secret).await.unwrap();
    s.add_password(&kept_secret).await.unwrap();
    let f = fic(app.id, "main", Some("repo:contoso/web:ref:refs/heads/main"));
    let kept_fic = fic(
        keep.id,
        "main",
        Some("repo:contoso/web:ref:refs/heads/main"),
    );
    s.create_fic(&f).await.unwrap();
    s.create_fic(&kept_fic).await.unwrap();
    let scope = format!("/subscriptions/{}", new_id());
    let role = new_id();
    let a1 = assignment(&scope, role, sp1.id);
    let a2 = assignment(&rg_scope(new_id(), "rg"), role, sp2.id);
    let a_keep = assignment(&scope, role, sp_keep.id);
    for a in [&a1, &a2, &a_keep] {
        s.create_role_assignment(a).await.unwrap();
    }

    s.delete_application(app.id).await.unwrap();

    assert_not_found(s.get_application(app.id).await);
    assert_not_found(s.find_application_by_app_id(app.app_id).await);
    assert_not_found(s.get_service_principal(sp1.id).await);
    assert_not_found(s.get_service_principal(sp2.id).await);
    assert_eq!(s.list_passwords(app.id).await.unwrap(), vec![]);
    assert_eq!(s.list_fics(app.id).await.unwrap(), vec![]);
    assert_not_found(s.get_role_assignment(a1.id).await);
    assert_not_found(s.get_role_assignment(a2.id).await);
    // The other application keeps everything.
    assert_eq!(s.get_application(keep.id).await.unwrap(), keep);
    assert_eq!(s.get_service_principal(sp_keep.id).await.unwrap(), sp_keep);
    assert_eq!(s.list_passwords(keep.id).await.unwrap(), vec![kept_secret]);
    assert_eq!(s.list_fics(keep.id).await.unwrap(), vec![kept_fic]);
    assert_eq!(s.get_role_assignment(a_keep.id).await.unwrap(), a_keep);

    assert_not_found(s.delete_application(app.id).await);
    // The app id is free again.
    let mut reborn = application(home.id, "reborn");
    reborn.app_id = app.app_id;
    s.create_application(&reborn).await.unwrap();
}

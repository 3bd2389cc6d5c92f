//! The unit of work: writes across aggregates committed together, or rolled back when it is
//! dropped; reads inside it see its own writes, readers outside do not before the commit.

use crate::fixtures::*;
use keyless_model::Uuid;
use keyless_model::arm::RoleAssignment;
use keyless_model::devops::{Project, ServiceConnection};
use keyless_model::directory::{
    Application, FederatedCredential, PasswordCredential, ServicePrincipal,
};
use keyless_store::{
    ArmStore, ConnectionSecurityStore, CredentialStore, DevopsStore, DirectoryStore, Store,
    UnitOfWork,
};

/// What an automatic creation writes.
struct Made {
    app: Application,
    sp: ServicePrincipal,
    fic: FederatedCredential,
    password: PasswordCredential,
    assignment: RoleAssignment,
    connection: ServiceConnection,
    user: Uuid,
}

/// A tenant with a user, an organization with a project (committed).
async fn setup(s: &dyn Store) -> (Uuid, Uuid, Project) {
    let t = add_tenant(s, "contoso").await;
    let u = add_user(s, t.id, "alice@contoso.onmicrosoft.com").await;
    let o = add_organization(s, "contoso").await;
    let p = add_project(s, o.id, "web").await;
    (t.id, u.id, p)
}

/// Writes an app, its principal, credential and secret, a role assignment, a connection
/// and a role on it, all inside `uow`.
async fn write_all(uow: &dyn UnitOfWork, tenant_id: Uuid, user: Uuid, p: &Project) -> Made {
    let app = application(tenant_id, "deploy");
    uow.create_application(&app).await.unwrap();
    let sp = service_principal(tenant_id, app.app_id, "deploy");
    uow.create_service_principal(&sp).await.unwrap();
    let fic = fic(app.id, "sc", Some("sc://contoso/web/prod"));
    uow.create_fic(&fic).await.unwrap();
    let password = password(app.id, NOW);
    uow.add_password(&password).await.unwrap();
    let scope = format!("/subscriptions/{}", new_id());
    let assignment = assignment(&scope, new_id(), sp.id);
    uow.create_role_assignment(&assignment).await.unwrap();
    let connection = connection(p, "prod");
    uow.create_connection(&connection).await.unwrap();
    uow.set_connection_role(connection.id, user, "Administrator")
        .await
        .unwrap();
    Made {
        app,
        sp,
        fic,
        password,
        assignment,
        connection,
        user,
    }
}

/// A new unit of work with everything of [`write_all`] written in it, not committed.
async fn begin_with_all(
    s: &dyn Store,
    tenant_id: Uuid,
    user: Uuid,
    p: &Project,
) -> (Box<dyn UnitOfWork>, Made) {
    let uow = s.begin().await.unwrap();
    let m = write_all(&*uow, tenant_id, user, p).await;
    (uow, m)
}

/// [`write_all`] in a unit of work of its own, committed.
async fn write_committed(s: &dyn Store, tenant_id: Uuid, user: Uuid, p: &Project) -> Made {
    let (uow, m) = begin_with_all(s, tenant_id, user, p).await;
    uow.commit().await.unwrap();
    m
}

/// Reads everything `m` wrote through `r` (the store, or the unit of work itself).
async fn assert_present<S>(r: &S, m: &Made)
where
    S: DirectoryStore + CredentialStore + ArmStore + DevopsStore + ConnectionSecurityStore + ?Sized,
{
    assert_eq!(r.get_application(m.app.id).await.unwrap().id, m.app.id);
    assert_eq!(r.get_service_principal(m.sp.id).await.unwrap().id, m.sp.id);
    assert_eq!(
        r.get_fic(m.app.id, m.fic.id).await.unwrap().subject,
        m.fic.subject
    );
    let passwords = r.list_passwords(m.app.id).await.unwrap();
    assert_eq!(passwords.len(), 1);
    assert_eq!(passwords[0].key_id, m.password.key_id);
    assert_eq!(
        r.get_role_assignment(m.assignment.id)
            .await
            .unwrap()
            .principal_id,
        m.sp.id
    );
    assert_eq!(
        r.get_connection(m.connection.id).await.unwrap().name,
        m.connection.name
    );
    assert_eq!(
        r.get_connection_role(m.connection.id, m.user)
            .await
            .unwrap(),
        Some("Administrator".to_owned())
    );
}

async fn assert_absent(s: &dyn Store, m: &Made) {
    assert_not_found(s.get_application(m.app.id).await);
    assert_not_found(s.find_application_by_app_id(m.app.app_id).await);
    assert_not_found(s.get_service_principal(m.sp.id).await);
    assert_not_found(s.get_fic(m.app.id, m.fic.id).await);
    assert!(s.list_passwords(m.app.id).await.unwrap().is_empty());
    assert_not_found(s.get_role_assignment(m.assignment.id).await);
    assert_not_found(s.get_connection(m.connection.id).await);
    assert_eq!(
        s.get_connection_role(m.connection.id, m.user)
            .await
            .unwrap(),
        None
    );
}

pub async fn committed_writes_are_visible(s: &dyn Store) {
    let (t, u, p) = setup(s).await;
    let m = write_committed(s, t, u, &p).await;
    assert_present(s, &m).await;
}

pub async fn dropped_unit_of_work_leaves_nothing(s: &dyn Store) {
    let (t, u, p) = setup(s).await;
    let (uow, m) = begin_with_all(s, t, u, &p).await;
    drop(uow);
    assert_absent(s, &m).await;
    // The store is usable afterwards, and the same writes commit.
    let again = write_committed(s, t, u, &p).await;
    assert_present(s, &again).await;
}

pub async fn reads_inside_see_own_writes_only_inside(s: &dyn Store) {
    let (t, u, p) = setup(s).await;
    let (uow, m) = begin_with_all(s, t, u, &p).await;
    assert_present(&*uow, &m).await;
    assert_eq!(uow.list_fics(m.app.id).await.unwrap().len(), 1);
    assert_eq!(
        uow.list_role_assignments_for_principal(m.sp.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // Not committed: the store does not see them yet.
    assert_absent(s, &m).await;
    uow.commit().await.unwrap();
    assert_present(s, &m).await;
}

/// A store method that fails inside a unit of work undoes its own statements only: the
/// unit of work goes on and commits what it wrote before and after.
pub async fn a_failed_method_undoes_only_itself(s: &dyn Store) {
    let (t, _, _) = setup(s).await;
    let uow = s.begin().await.unwrap();
    let app = application(t, "deploy");
    uow.create_application(&app).await.unwrap();
    let first = fic(app.id, "one", Some("repo:contoso/web"));
    uow.create_fic(&first).await.unwrap();
    assert_conflict(
        uow.create_fic(&fic(app.id, "one", Some("repo:other")))
            .await,
        keyless_store::conflict::FIC_NAME,
    );
    let second = fic(app.id, "two", Some("repo:contoso/api"));
    uow.create_fic(&second).await.unwrap();
    uow.commit().await.unwrap();
    let names = each(s.list_fics(app.id).await.unwrap(), |f| f.name);
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"one".to_owned()) && names.contains(&"two".to_owned()));
}

/// A cascade run inside a unit of work that is then dropped takes nothing away.
pub async fn a_dropped_cascade_keeps_everything(s: &dyn Store) {
    let (t, u, p) = setup(s).await;
    let m = write_committed(s, t, u, &p).await;
    let uow = s.begin().await.unwrap();
    uow.delete_application(m.app.id).await.unwrap();
    uow.delete_connection(m.connection.id).await.unwrap();
    assert_not_found(uow.get_service_principal(m.sp.id).await);
    assert_not_found(uow.get_role_assignment(m.assignment.id).await);
    drop(uow);
    assert_present(s, &m).await;
}

/// The end of a unit of work, committed or dropped, is announced on the change feed.
pub async fn the_end_is_announced(s: &dyn Store) {
    let before = s.change_feed().generation();
    drop(s.begin().await.unwrap());
    let dropped = s.change_feed().generation();
    assert!(dropped > before);
    s.begin().await.unwrap().commit().await.unwrap();
    assert!(s.change_feed().generation() > dropped);
}

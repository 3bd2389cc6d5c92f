//! Deleting projects, organizations, users and tenants: everything they hold goes in one
//! transaction, and a refused delete leaves everything in place.

use crate::fixtures::*;
use keyless_model::Uuid;
use keyless_model::devops::agents::AgentPool;
use keyless_model::devops::organization::{AccessLevel, OrganizationGroup, PreviewFeature};
use keyless_model::devops::runs::{Run, RunResult, RunState};
use keyless_model::devops::{Organization, Project};
use keyless_model::directory::GuestMembership;
use keyless_model::directory_roles::{DirectoryRole, DirectoryRoleAssignment, PrincipalType};
use keyless_store::{Store, conflict};

/// Asserts that a list the store answered is empty.
#[track_caller]
fn empty<T: std::fmt::Debug>(r: keyless_store::StoreResult<Vec<T>>) {
    assert_eq!(r.unwrap().len(), 0);
}

fn run_of(pipeline_id: i64, project_id: Uuid) -> Run {
    Run {
        id: 0,
        pipeline_id,
        project_id,
        name: "20250615.1".into(),
        state: RunState::InProgress,
        result: None,
        requested_by: None,
        created_at: NOW,
        finished_at: None,
        variables: Default::default(),
        jobs: vec![],
    }
}

/// A project with a connection (a role, a share into `other`, an authorized pipeline), a
/// pipeline with a job and a run in progress, and a member; the run's id.
async fn busy_project(s: &dyn Store, p: &Project, other: &Project, member: Uuid) -> i64 {
    let c = add_connection(s, p, &format!("{}-azure", p.name)).await;
    let pipeline = add_pipeline(s, p.id, "deploy").await;
    s.authorize_pipeline(c.id, pipeline, None, NOW)
        .await
        .unwrap();
    s.set_connection_role(c.id, member, "User").await.unwrap();
    s.share_connection(c.id, other.id).await.unwrap();
    s.add_project_member(p.id, member, "Readers").await.unwrap();
    let r = s.create_run(&run_of(pipeline, p.id)).await.unwrap();
    let mut j = job(
        &s.get_pipeline(pipeline).await.unwrap(),
        &format!("{}-job", p.name),
    );
    j.run_id = Some(r);
    s.create_job(&j).await.unwrap();
    r
}

/// Asserts that the project of [`busy_project`] and what it held are gone.
async fn gone(s: &dyn Store, p: &Project, run: i64) {
    assert_not_found(s.get_project(p.id).await);
    empty(s.list_connections(p.id).await);
    empty(s.list_pipelines(p.id).await);
    empty(s.list_project_members(p.id).await);
    assert_not_found(s.get_run(run).await);
}

async fn collection_administrator(s: &dyn Store, org: Uuid, user: Uuid) {
    let group = OrganizationGroup::ProjectCollectionAdministrators;
    s.add_organization_member(org, user, group).await.unwrap();
}

async fn finish(s: &dyn Store, run: i64) {
    let mut r = s.get_run(run).await.unwrap();
    r.finish(RunResult::Succeeded, NOW + 5);
    s.update_run(&r).await.unwrap();
}

pub async fn projects_go_with_what_they_hold_unless_a_run_is_in_progress(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let alice = add_user(s, t.id, "alice@contoso.onmicrosoft.com").await;
    let o = add_organization(s, "contoso").await;
    let web = add_project(s, o.id, "web").await;
    let api = add_project(s, o.id, "api").await;
    let run = busy_project(s, &web, &api, alice.id).await;
    let kept = add_connection(s, &api, "kept").await;
    s.share_connection(kept.id, web.id).await.unwrap();

    assert_conflict(s.delete_project(web.id).await, conflict::PROJECT_RUNNING);
    assert_eq!(s.list_connections(web.id).await.unwrap().len(), 1);
    assert_eq!(s.list_pipelines(web.id).await.unwrap().len(), 1);

    finish(s, run).await;
    s.delete_project(web.id).await.unwrap();
    gone(s, &web, run).await;
    empty(s.list_connections_shared_with(api.id).await);
    // The other project keeps its connection, which is no longer shared into the deleted one.
    assert_eq!(s.get_connection(kept.id).await.unwrap().name, "kept");
    empty(s.list_connection_shares(kept.id).await);
    assert_eq!(s.list_projects(o.id).await.unwrap().len(), 1);
    assert_not_found(s.delete_project(web.id).await);
}

pub async fn organizations_go_with_everything_they_hold(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let alice = add_user(s, t.id, "alice@contoso.onmicrosoft.com").await;
    let o = add_organization(s, "contoso").await;
    let keep: Organization = add_organization(s, "fabrikam").await;
    let keep_project = add_project(s, keep.id, "site").await;
    let web = add_project(s, o.id, "web").await;
    let api = add_project(s, o.id, "api").await;
    let run = busy_project(s, &web, &api, alice.id).await;
    collection_administrator(s, o.id, alice.id).await;
    s.set_access_level(o.id, alice.id, AccessLevel::Stakeholder)
        .await
        .unwrap();
    s.set_preview_feature(o.id, PreviewFeature::WorkloadIdentityArm, true)
        .await
        .unwrap();
    let pool = AgentPool {
        id: 0,
        organization_id: o.id,
        name: "linux".into(),
        is_hosted: false,
        created_by: None,
        created_at: NOW,
    };
    let pool = s.create_pool(&pool).await.unwrap();

    assert_conflict(
        s.delete_organization(o.id).await,
        conflict::ORGANIZATION_RUNNING,
    );
    assert_eq!(s.list_projects(o.id).await.unwrap().len(), 2);
    assert_eq!(s.list_organization_members(o.id).await.unwrap().len(), 1);

    finish(s, run).await;
    s.delete_organization(o.id).await.unwrap();
    assert_not_found(s.get_organization(o.id).await);
    empty(s.list_projects(o.id).await);
    gone(s, &web, run).await;
    assert_not_found(s.get_pool(pool).await);
    empty(s.list_organization_members(o.id).await);
    empty(s.list_access_levels(o.id).await);
    // The member, the other organization and its project stay.
    assert_eq!(s.get_user(alice.id).await.unwrap().id, alice.id);
    assert_eq!(s.list_projects(keep.id).await.unwrap(), vec![keep_project]);
    assert_not_found(s.delete_organization(o.id).await);
}

pub async fn users_go_with_what_names_them_unless_they_own_an_organization(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let other = add_tenant(s, "fabrikam").await;
    let alice = add_user(s, t.id, "alice@contoso.onmicrosoft.com").await;
    let bob = add_user(s, t.id, "bob@contoso.onmicrosoft.com").await;
    let o = add_organization(s, "contoso").await;
    let web = add_project(s, o.id, "web").await;
    s.create_pat(&pat(alice.id, "alice-token")).await.unwrap();
    s.add_project_member(web.id, alice.id, "Readers")
        .await
        .unwrap();
    collection_administrator(s, o.id, alice.id).await;
    s.add_guest_membership(&GuestMembership {
        tenant_id: other.id,
        user_id: alice.id,
        created_at: NOW,
    })
    .await
    .unwrap();
    s.add_directory_role(&DirectoryRoleAssignment {
        tenant_id: t.id,
        principal_id: alice.id,
        principal_type: PrincipalType::User,
        role: DirectoryRole::UserAdministrator,
        created_at: NOW,
    })
    .await
    .unwrap();
    let sub = subscription(t.id);
    s.create_subscription(&sub).await.unwrap();
    let scope = format!("/subscriptions/{}", sub.id);
    s.create_role_assignment(&assignment(&scope, new_id(), alice.id))
        .await
        .unwrap();
    s.set_organization_owner(o.id, alice.id).await.unwrap();

    assert_conflict(
        s.delete_user(alice.id).await,
        conflict::USER_OWNS_ORGANIZATION,
    );
    assert!(s.find_pat_by_hash("alice-token").await.is_ok());
    assert_eq!(
        s.list_project_groups(web.id, alice.id).await.unwrap().len(),
        1
    );

    s.set_organization_owner(o.id, bob.id).await.unwrap();
    s.delete_user(alice.id).await.unwrap();
    assert_not_found(s.get_user(alice.id).await);
    assert_not_found(s.find_pat_by_hash("alice-token").await);
    empty(s.list_project_members(web.id).await);
    empty(s.list_organization_members(o.id).await);
    empty(s.list_tenant_guests(other.id).await);
    empty(s.list_principal_directory_roles(t.id, alice.id).await);
    empty(s.list_role_assignments_for_principal(alice.id).await);
    assert_eq!(s.list_users(t.id).await.unwrap(), vec![bob.clone()]);
    assert_not_found(s.delete_user(alice.id).await);

    s.update_user_display_name(bob.id, "Robert").await.unwrap();
    assert_eq!(s.get_user(bob.id).await.unwrap().display_name, "Robert");
    assert_not_found(s.update_user_display_name(alice.id, "x").await);
}

pub async fn tenants_go_with_their_directory_unless_something_depends_on_them(s: &dyn Store) {
    let t = add_tenant(s, "northwind").await;
    let home = add_tenant(s, "contoso").await;
    let carol = add_user(s, t.id, "carol@northwind.onmicrosoft.com").await;
    let app = add_application(s, t.id, "deployer").await;
    let sp = add_service_principal(s, t.id, app.app_id, "deployer").await;
    // The application's principal in another tenant goes with it.
    let abroad = add_service_principal(s, home.id, app.app_id, "deployer").await;
    add_fic(s, app.id, "github", Some("repo:x")).await;
    s.add_password(&password(app.id, NOW)).await.unwrap();
    let home_sub = subscription(home.id);
    s.create_subscription(&home_sub).await.unwrap();
    let scope = format!("/subscriptions/{}", home_sub.id);
    s.create_role_assignment(&assignment(&scope, new_id(), abroad.id))
        .await
        .unwrap();
    s.create_role_assignment(&assignment(&scope, new_id(), carol.id))
        .await
        .unwrap();
    s.create_pat(&pat(carol.id, "carol-token")).await.unwrap();
    let kept_user = add_user(s, home.id, "dave@contoso.onmicrosoft.com").await;
    s.add_guest_membership(&GuestMembership {
        tenant_id: t.id,
        user_id: kept_user.id,
        created_at: NOW,
    })
    .await
    .unwrap();
    let sub = subscription(t.id);
    s.create_subscription(&sub).await.unwrap();
    let mut o = organization("northwind");
    o.tenant_id = Some(t.id);
    s.create_organization(&o).await.unwrap();

    // An organization and a subscription depend on it: refused, nothing goes.
    assert_conflict(s.delete_tenant(t.id).await, conflict::TENANT_IN_USE);
    s.delete_organization(o.id).await.unwrap();
    assert_conflict(s.delete_tenant(t.id).await, conflict::TENANT_IN_USE);
    s.delete_subscription(sub.id).await.unwrap();
    // An organization elsewhere owned by one of its users.
    let owned = add_organization(s, "owned").await;
    s.set_organization_owner(owned.id, carol.id).await.unwrap();
    assert_conflict(s.delete_tenant(t.id).await, conflict::TENANT_IN_USE);
    assert_eq!(s.list_users(t.id).await.unwrap().len(), 1);
    assert_eq!(s.list_fics(app.id).await.unwrap().len(), 1);
    s.set_organization_owner(owned.id, kept_user.id)
        .await
        .unwrap();

    s.delete_tenant(t.id).await.unwrap();
    assert_not_found(s.get_tenant(t.id).await);
    assert_not_found(s.get_user(carol.id).await);
    assert_not_found(s.get_application(app.id).await);
    assert_not_found(s.get_service_principal(sp.id).await);
    assert_not_found(s.get_service_principal(abroad.id).await);
    empty(s.list_fics(app.id).await);
    empty(s.list_passwords(app.id).await);
    assert_not_found(s.find_pat_by_hash("carol-token").await);
    empty(s.list_role_assignments_under(&scope).await);
    empty(s.list_guest_memberships(kept_user.id).await);
    // The other tenant and its user stay.
    assert_eq!(s.get_tenant(home.id).await.unwrap().name, "contoso");
    assert_eq!(s.list_users(home.id).await.unwrap(), vec![kept_user]);
    assert_not_found(s.delete_tenant(t.id).await);

    s.update_tenant_display_name(home.id, "Contoso Ltd")
        .await
        .unwrap();
    assert_eq!(
        s.get_tenant(home.id).await.unwrap().display_name,
        "Contoso Ltd"
    );
}

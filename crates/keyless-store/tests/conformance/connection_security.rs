//! Project memberships, connection roles and shares, pipeline permissions, and the
//! rename transaction of a connection with its federated credential.

use crate::fixtures::*;
use keyless_model::Uuid;
use keyless_model::devops::{PipelinePermissions, Project, ServiceConnection};
use keyless_model::directory::{Application, FederatedCredential};
use keyless_store::{Store, StoreError, StoreResult};

async fn setup(s: &dyn Store) -> (Project, Project, keyless_model::directory::User) {
    let t = add_tenant(s, "contoso").await;
    let u = add_user(s, t.id, "alice@contoso.onmicrosoft.com").await;
    let o = add_organization(s, "contoso").await;
    let web = add_project(s, o.id, "web").await;
    let api = add_project(s, o.id, "api").await;
    (web, api, u)
}

pub async fn project_members(s: &dyn Store) {
    let (web, api, u) = setup(s).await;
    assert!(
        s.list_project_groups(web.id, u.id)
            .await
            .unwrap()
            .is_empty()
    );
    s.add_project_member(web.id, u.id, "Readers").await.unwrap();
    s.add_project_member(web.id, u.id, "Endpoint Creators")
        .await
        .unwrap();
    s.add_project_member(web.id, u.id, "Readers").await.unwrap();
    assert_eq!(
        s.list_project_groups(web.id, u.id).await.unwrap(),
        vec!["Endpoint Creators".to_string(), "Readers".to_string()]
    );
    assert!(
        s.list_project_groups(api.id, u.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.list_project_members(web.id).await.unwrap().len(), 2);
    s.remove_project_member(web.id, u.id, "Readers")
        .await
        .unwrap();
    assert_not_found(s.remove_project_member(web.id, u.id, "Readers").await);
    assert_not_found(s.add_project_member(new_id(), u.id, "Readers").await);
    assert_not_found(s.add_project_member(web.id, new_id(), "Readers").await);
}

pub async fn connection_roles_and_shares(s: &dyn Store) {
    let (web, api, u) = setup(s).await;
    let c = add_connection(s, &web, "prod").await;
    assert_eq!(s.get_connection_role(c.id, u.id).await.unwrap(), None);
    s.set_connection_role(c.id, u.id, "User").await.unwrap();
    s.set_connection_role(c.id, u.id, "Administrator")
        .await
        .unwrap();
    assert_eq!(
        s.get_connection_role(c.id, u.id).await.unwrap().as_deref(),
        Some("Administrator")
    );
    assert_eq!(
        s.list_connection_roles(c.id).await.unwrap(),
        vec![(u.id, "Administrator".to_string())]
    );
    assert_not_found(s.set_connection_role(new_id(), u.id, "User").await);
    s.remove_connection_role(c.id, u.id).await.unwrap();
    assert_not_found(s.remove_connection_role(c.id, u.id).await);

    s.share_connection(c.id, api.id).await.unwrap();
    s.share_connection(c.id, api.id).await.unwrap();
    assert_eq!(s.list_connection_shares(c.id).await.unwrap(), vec![api.id]);
    assert_eq!(
        s.list_connections_shared_with(api.id).await.unwrap(),
        vec![c.id]
    );
    assert!(
        s.list_connections_shared_with(web.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_not_found(s.share_connection(c.id, new_id()).await);
    s.unshare_connection(c.id, api.id).await.unwrap();
    assert_not_found(s.unshare_connection(c.id, api.id).await);

    // Deleting the connection takes its roles, shares and permissions with it.
    s.set_connection_role(c.id, u.id, "User").await.unwrap();
    s.share_connection(c.id, api.id).await.unwrap();
    s.set_all_pipelines(c.id, false, Some(u.id), NOW)
        .await
        .unwrap();
    s.delete_connection(c.id).await.unwrap();
    assert!(
        s.list_connections_shared_with(api.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.get_connection_role(c.id, u.id).await.unwrap(), None);
    assert_eq!(
        s.get_pipeline_permissions(c.id).await.unwrap(),
        PipelinePermissions::default()
    );
}

pub async fn pipeline_entries(s: &dyn Store) {
    use keyless_model::devops::pipeline_security::{
        AceAccess, AceSubject, PipelineAce, PipelinePermission as P,
    };
    use keyless_model::devops::security::ProjectGroup;
    let (web, _, u) = setup(s).await;
    let p = add_pipeline(s, web.id, "one").await;
    assert!(s.list_pipeline_aces(p).await.unwrap().is_empty());
    let deny_readers = PipelineAce {
        subject: AceSubject::Group(ProjectGroup::Readers),
        permission: P::QueueBuilds,
        access: AceAccess::Deny,
    };
    let allow_user = PipelineAce {
        subject: AceSubject::User(u.id),
        permission: P::EditBuildDefinition,
        access: AceAccess::Allow,
    };
    s.set_pipeline_ace(p, &deny_readers).await.unwrap();
    s.set_pipeline_ace(p, &allow_user).await.unwrap();
    let mut got = s.list_pipeline_aces(p).await.unwrap();
    got.sort_by_key(|a| a.permission.key());
    assert_eq!(got, vec![allow_user, deny_readers]);
    // The same subject and permission: replaced, not added.
    let allow_readers = PipelineAce {
        access: AceAccess::Allow,
        ..deny_readers
    };
    s.set_pipeline_ace(p, &allow_readers).await.unwrap();
    let got = s.list_pipeline_aces(p).await.unwrap();
    assert_eq!(got.len(), 2);
    assert!(got.contains(&allow_readers));
    s.remove_pipeline_ace(p, deny_readers.subject, P::QueueBuilds)
        .await
        .unwrap();
    assert_eq!(s.list_pipeline_aces(p).await.unwrap(), vec![allow_user]);
    assert!(matches!(
        s.remove_pipeline_ace(p, deny_readers.subject, P::QueueBuilds)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.set_pipeline_ace(p + 1000, &deny_readers).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn pipeline_permissions(s: &dyn Store) {
    let (web, _, u) = setup(s).await;
    let c = add_connection(s, &web, "prod").await;
    let p1 = add_pipeline(s, web.id, "one").await;
    let p2 = add_pipeline(s, web.id, "two").await;
    // A new connection is open to no pipeline until one is authorized.
    let closed = s.get_pipeline_permissions(c.id).await.unwrap();
    assert!(!closed.all_pipelines && closed.pipelines.is_empty() && closed.changed_at.is_none());
    s.set_all_pipelines(c.id, false, Some(u.id), NOW)
        .await
        .unwrap();
    s.authorize_pipeline(c.id, p2, Some(u.id), NOW + 1)
        .await
        .unwrap();
    s.authorize_pipeline(c.id, p1, None, NOW + 2).await.unwrap();
    s.authorize_pipeline(c.id, p1, None, NOW + 5).await.unwrap();
    let p = s.get_pipeline_permissions(c.id).await.unwrap();
    assert!(!p.all_pipelines);
    assert_eq!(p.changed_by, Some(u.id));
    assert_eq!(p.changed_at, Some(NOW));
    assert_eq!(
        p.pipelines
            .iter()
            .map(|a| (a.pipeline_id, a.authorized_at))
            .collect::<Vec<_>>(),
        vec![(p1, NOW + 2), (p2, NOW + 1)]
    );
    s.revoke_pipeline(c.id, p1).await.unwrap();
    s.revoke_pipeline(c.id, p1).await.unwrap();
    assert_eq!(
        s.get_pipeline_permissions(c.id)
            .await
            .unwrap()
            .pipelines
            .len(),
        1
    );
    assert_not_found(s.authorize_pipeline(c.id, 99_999, None, NOW).await);
    s.set_all_pipelines(c.id, true, None, NOW + 9)
        .await
        .unwrap();
    assert!(
        s.get_pipeline_permissions(c.id)
            .await
            .unwrap()
            .all_pipelines
    );
}

/// The connection `prod` of `web`, and the credential of an app of the tenant fabrikam whose
/// subject names it: (app, credential, connection).
async fn connection_with_fic(
    s: &dyn Store,
    web: &Project,
) -> (Application, FederatedCredential, ServiceConnection) {
    let t = add_tenant(s, "fabrikam").await;
    let app = add_application(s, t.id, "deploy").await;
    let f = add_fic(s, app.id, "sc", Some("sc://contoso/web/prod")).await;
    let c = add_connection(s, web, "prod").await;
    (app, f, c)
}

/// A connection and its credential updated by one unit of work (a rename and the subject
/// that follows it).
async fn update_connection_and_fic(
    s: &dyn Store,
    c: &ServiceConnection,
    f: &FederatedCredential,
) -> StoreResult<()> {
    let uow = s.begin().await?;
    uow.update_connection(c).await?;
    uow.update_fic(f).await?;
    uow.commit().await
}

/// What a rename renames.
#[derive(Clone, Copy)]
enum Renamed {
    Project(Uuid),
    Organization(Uuid),
}

/// A rename of a project or an organization and, in the same unit of work, the warnings of
/// its connections and the subjects that follow the name.
async fn rename(
    s: &dyn Store,
    renamed: Renamed,
    name: &str,
    connections: &[ServiceConnection],
    fics: &[FederatedCredential],
) -> StoreResult<()> {
    let uow = s.begin().await?;
    match renamed {
        Renamed::Project(p) => uow.rename_project(p, name).await?,
        Renamed::Organization(o) => uow.rename_organization(o, name).await?,
    }
    for c in connections {
        uow.update_connection(c).await?;
    }
    for f in fics {
        uow.update_fic(f).await?;
    }
    uow.commit().await
}

/// Renames, and in the same unit of work gives the credential of [`connection_with_fic`] the
/// subject `subject` and its connection the warning "renamed"; checks that both are stored.
/// The app and the credential.
async fn rename_followed(
    s: &dyn Store,
    web: &Project,
    renamed: Renamed,
    name: &str,
    subject: &str,
) -> (Application, FederatedCredential) {
    let (app, mut f, mut c) = connection_with_fic(s, web).await;
    f.subject = Some(subject.into());
    c.status_message = "renamed".into();
    rename(s, renamed, name, &[c.clone()], &[f.clone()])
        .await
        .unwrap();
    assert_eq!(s.get_fic(app.id, f.id).await.unwrap().subject, f.subject);
    assert_eq!(
        s.get_connection(c.id).await.unwrap().status_message,
        "renamed"
    );
    (app, f)
}

pub async fn rename_with_credential_is_one_transaction(s: &dyn Store) {
    let (web, _, _) = setup(s).await;
    let (app, mut f, mut c) = connection_with_fic(s, &web).await;
    c.name = "production".into();
    f.subject = Some("sc://contoso/web/production".into());
    update_connection_and_fic(s, &c, &f).await.unwrap();
    assert_eq!(s.get_connection(c.id).await.unwrap().name, "production");
    assert_eq!(s.get_fic(app.id, f.id).await.unwrap().subject, f.subject);
    // A credential that is gone rolls the rename back.
    let mut gone = f.clone();
    gone.id = new_id();
    c.name = "renamed-again".into();
    assert_not_found(update_connection_and_fic(s, &c, &gone).await);
    assert_eq!(s.get_connection(c.id).await.unwrap().name, "production");
}

pub async fn rename_project_with_subjects_is_one_transaction(s: &dyn Store) {
    let (web, api, _) = setup(s).await;
    let project = Renamed::Project(web.id);
    let (_, f) = rename_followed(s, &web, project, "site", "sc://contoso/site/prod").await;
    assert_eq!(s.get_project(web.id).await.unwrap().name, "site");
    // A name in use, or a credential that is gone, changes nothing.
    assert_conflict(
        rename(s, Renamed::Project(web.id), "API", &[], &[]).await,
        keyless_store::conflict::PROJECT_NAME,
    );
    let mut gone = f.clone();
    gone.id = new_id();
    assert_not_found(rename(s, Renamed::Project(web.id), "www", &[], &[gone]).await);
    assert_eq!(s.get_project(web.id).await.unwrap().name, "site");
    let _ = api;
}

pub async fn rename_organization_with_subjects_is_one_transaction(s: &dyn Store) {
    let (web, _, _) = setup(s).await;
    add_organization(s, "fabrikam").await;
    let org = Renamed::Organization(web.organization_id);
    let (app, f) = rename_followed(s, &web, org, "northwind", "sc://northwind/web/prod").await;
    let renamed = s.get_organization(web.organization_id).await.unwrap();
    assert_eq!(renamed.name, "northwind");
    assert_eq!(
        s.find_organization("NORTHWIND").await.unwrap().id,
        renamed.id
    );
    // A name in use (any case), or a credential that is gone, changes nothing.
    let mut moved = f.clone();
    moved.subject = Some("sc://Fabrikam/web/prod".into());
    assert_conflict(
        rename(
            s,
            Renamed::Organization(renamed.id),
            "Fabrikam",
            &[],
            &[moved],
        )
        .await,
        keyless_store::conflict::ORGANIZATION_NAME,
    );
    assert_eq!(s.get_fic(app.id, f.id).await.unwrap().subject, f.subject);
    let mut gone = f.clone();
    gone.id = new_id();
    assert_not_found(rename(s, Renamed::Organization(renamed.id), "www", &[], &[gone]).await);
    assert_eq!(
        s.get_organization(renamed.id).await.unwrap().name,
        "northwind"
    );
    assert_not_found(rename(s, Renamed::Organization(new_id()), "ghost", &[], &[]).await);
}

//! Service principals as users of organizations and members of projects.

use crate::fixtures::*;
use keyless_model::devops::identities::{OrganizationIdentity, ProjectIdentity};
use keyless_store::Store;

pub async fn organization_and_project_identities(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let app = add_application(s, t.id, "deployer").await;
    let sp = add_service_principal(s, t.id, app.app_id, "deployer").await;
    let org = add_organization(s, "contoso").await;
    let web = add_project(s, org.id, "web").await;
    let api = add_project(s, org.id, "api").await;

    assert_not_found(s.get_organization_identity(org.id, sp.id).await);
    let mut member = OrganizationIdentity {
        organization_id: org.id,
        principal_id: sp.id,
        access_level: "Stakeholder".into(),
        created_at: NOW,
    };
    s.put_organization_identity(&member).await.unwrap();
    member.access_level = "Basic".into();
    s.put_organization_identity(&member).await.unwrap();
    assert_eq!(
        s.get_organization_identity(org.id, sp.id).await.unwrap(),
        member
    );
    assert_eq!(
        s.list_organization_identities(org.id).await.unwrap(),
        vec![member.clone()]
    );

    let in_web = ProjectIdentity {
        project_id: web.id,
        principal_id: sp.id,
        group: "Readers".into(),
    };
    s.put_project_identity(&in_web).await.unwrap();
    let in_web = ProjectIdentity {
        group: "Contributors".into(),
        ..in_web
    };
    s.put_project_identity(&in_web).await.unwrap();
    assert_eq!(s.get_project_identity(web.id, sp.id).await.unwrap(), in_web);
    assert_not_found(s.get_project_identity(api.id, sp.id).await);
    assert_eq!(
        s.list_projects_of_identity(sp.id).await.unwrap(),
        vec![in_web.clone()]
    );

    // Unknown parents are not found; removing twice is not found.
    let mut ghost = member.clone();
    ghost.principal_id = new_id();
    assert_not_found(s.put_organization_identity(&ghost).await);
    let mut nowhere = in_web.clone();
    nowhere.project_id = new_id();
    assert_not_found(s.put_project_identity(&nowhere).await);
    s.put_project_identity(&ProjectIdentity {
        project_id: api.id,
        ..in_web.clone()
    })
    .await
    .unwrap();
    s.delete_project_identity(api.id, sp.id).await.unwrap();
    assert_not_found(s.delete_project_identity(api.id, sp.id).await);

    // Leaving the organization leaves its projects too.
    s.delete_organization_identity(org.id, sp.id).await.unwrap();
    assert_not_found(s.get_organization_identity(org.id, sp.id).await);
    assert_eq!(s.list_projects_of_identity(sp.id).await.unwrap(), vec![]);
    assert_not_found(s.delete_organization_identity(org.id, sp.id).await);

    // Deleting the application (and with it its principal) removes its memberships.
    s.put_organization_identity(&member).await.unwrap();
    s.put_project_identity(&in_web).await.unwrap();
    s.delete_application(app.id).await.unwrap();
    assert_eq!(
        s.list_organization_identities(org.id).await.unwrap(),
        vec![]
    );
    assert_eq!(s.list_projects_of_identity(sp.id).await.unwrap(), vec![]);
}

//! Organizations, projects, service connections, pipelines, jobs, and signing keys.

use crate::fixtures::*;
use keyless_model::devops::{ConnectionState, IssuerGeneration, Project};
use keyless_store::{Store, conflict};

async fn new_project(s: &dyn Store) -> Project {
    let o = add_organization(s, "contoso").await;
    add_project(s, o.id, "Web").await
}

pub async fn organizations_and_projects(s: &dyn Store) {
    let contoso = organization("Contoso");
    let mut fabrikam = organization("fabrikam");
    fabrikam.tenant_id = None;
    fabrikam.cloud = keyless_model::directory::Cloud::UsGovernment;
    s.create_organization(&fabrikam).await.unwrap();
    s.create_organization(&contoso).await.unwrap();
    assert_eq!(s.get_organization(contoso.id).await.unwrap(), contoso);
    assert_eq!(s.find_organization("CONTOSO").await.unwrap(), contoso);
    assert_not_found(s.find_organization("northwind").await);
    assert_eq!(
        s.list_organizations().await.unwrap(),
        vec![contoso.clone(), fabrikam.clone()]
    );
    assert_conflict(
        s.create_organization(&organization("contoso")).await,
        conflict::ORGANIZATION_NAME,
    );
    let mut same_id = organization("northwind");
    same_id.id = contoso.id;
    assert_conflict(
        s.create_organization(&same_id).await,
        conflict::DUPLICATE_ID,
    );

    let web = project(contoso.id, "Web");
    let api = project(contoso.id, "api");
    s.create_project(&web).await.unwrap();
    s.create_project(&api).await.unwrap();
    assert_eq!(s.get_project(web.id).await.unwrap(), web);
    assert_eq!(s.find_project(contoso.id, "WEB").await.unwrap(), web);
    assert_not_found(s.find_project(fabrikam.id, "web").await);
    assert_eq!(s.list_projects(contoso.id).await.unwrap(), vec![api, web]);
    assert_conflict(
        s.create_project(&project(contoso.id, "wEb")).await,
        conflict::PROJECT_NAME,
    );
    // The same name in another organization is fine; an unknown organization is not.
    s.create_project(&project(fabrikam.id, "web"))
        .await
        .unwrap();
    assert_not_found(s.create_project(&project(new_id(), "web")).await);
}

pub async fn connections_crud(s: &dyn Store) {
    let p = new_project(s).await;
    let prod = connection(&p, "Azure-Prod");
    let mut dev = connection(&p, "azure-dev");
    dev.issuer_generation = IssuerGeneration::EntraId;
    dev.created_by = Some(new_id());
    s.create_connection(&prod).await.unwrap();
    s.create_connection(&dev).await.unwrap();
    assert_eq!(s.get_connection(prod.id).await.unwrap(), prod);
    assert_eq!(s.find_connection(p.id, "AZURE-PROD").await.unwrap(), prod);
    assert_not_found(s.find_connection(new_id(), "azure-prod").await);
    assert_eq!(
        s.list_connections(p.id).await.unwrap(),
        vec![dev.clone(), prod.clone()]
    );
    assert_conflict(
        s.create_connection(&connection(&p, "azure-PROD")).await,
        conflict::CONNECTION_NAME,
    );

    let mut changed = prod.clone();
    changed.name = "azure-production".into();
    changed.state = ConnectionState::Failed;
    changed.issuer_generation = IssuerGeneration::EntraId;
    changed
        .data
        .insert("environment".into(), serde_json::json!("AzureCloud"));
    s.update_connection(&changed).await.unwrap();
    assert_eq!(s.get_connection(prod.id).await.unwrap(), changed);
    let mut clash = changed.clone();
    clash.name = "AZURE-DEV".into();
    assert_conflict(s.update_connection(&clash).await, conflict::CONNECTION_NAME);
    assert_not_found(s.update_connection(&connection(&p, "ghost")).await);

    s.delete_connection(prod.id).await.unwrap();
    assert_not_found(s.get_connection(prod.id).await);
    assert_not_found(s.delete_connection(prod.id).await);
    // The name is free again.
    s.create_connection(&connection(&p, "azure-prod"))
        .await
        .unwrap();
}

pub async fn pipelines_and_jobs(s: &dyn Store) {
    let p = new_project(s).await;
    let c = add_connection(s, &p, "azure").await;
    let mut ids = vec![];
    for name in ["build", "deploy", "nightly"] {
        let mut pl = pipeline(p.id, name, vec![c.id]);
        pl.id = 999; // ignored
        ids.push(s.create_pipeline(&pl).await.unwrap());
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids must increase: {ids:?}"
    );
    let build = s.get_pipeline(ids[0]).await.unwrap();
    assert_eq!(build, pipeline(p.id, "build", vec![c.id]).with_id(ids[0]));
    assert_eq!(s.find_pipeline(p.id, "DEPLOY").await.unwrap().id, ids[1]);
    assert_not_found(s.find_pipeline(new_id(), "deploy").await);
    let listed = each(s.list_pipelines(p.id).await.unwrap(), |p| p.id);
    assert_eq!(listed, ids);
    assert_conflict(
        s.create_pipeline(&pipeline(p.id, "Build", vec![])).await,
        conflict::PIPELINE_NAME,
    );
    let mut renamed = build.clone();
    renamed.name = "ci".into();
    renamed.connections = vec![];
    renamed.definition = None;
    s.update_pipeline(&renamed).await.unwrap();
    assert_eq!(s.get_pipeline(build.id).await.unwrap(), renamed);
    let mut clash = renamed.clone();
    clash.name = "NIGHTLY".into();
    assert_conflict(s.update_pipeline(&clash).await, conflict::PIPELINE_NAME);
    assert_not_found(
        s.update_pipeline(&pipeline(p.id, "ghost", vec![]).with_id(-1))
            .await,
    );
    assert_not_found(s.get_pipeline(ids[2] + 1000).await);

    let j = job(&renamed, "job-token-hash");
    s.create_job(&j).await.unwrap();
    assert_eq!(s.get_job(j.id).await.unwrap(), j);
    // A job without resolved connections (its pipeline has no YAML) reads back as such.
    let mut legacy = job(&renamed, "legacy-hash");
    legacy.connections = None;
    s.create_job(&legacy).await.unwrap();
    assert_eq!(s.get_job(legacy.id).await.unwrap().connections, None);
    assert_eq!(s.find_job_by_token_hash("job-token-hash").await.unwrap(), j);
    assert_not_found(s.find_job_by_token_hash("other").await);
    s.finish_job(j.id, NOW + 60).await.unwrap();
    s.finish_job(j.id, NOW + 90).await.unwrap();
    assert_eq!(s.get_job(j.id).await.unwrap().finished_at, Some(NOW + 60));
    assert_not_found(s.finish_job(new_id(), NOW).await);
    let mut same_id = job(&renamed, "another-hash");
    same_id.id = j.id;
    assert_conflict(s.create_job(&same_id).await, conflict::DUPLICATE_ID);
    // A job of a pipeline that does not exist.
    assert_not_found(
        s.create_job(&job(&renamed.with_id(ids[2] + 1000), "h"))
            .await,
    );
}

trait WithId {
    fn with_id(self, id: i64) -> Self;
}

impl WithId for keyless_model::devops::Pipeline {
    fn with_id(mut self, id: i64) -> Self {
        self.id = id;
        self
    }
}

pub async fn signing_keys_newest_first(s: &dyn Store) {
    let owner = format!("tenant:{}", new_id());
    let old = signing_key(&owner, "kid-old", NOW - 100);
    let mut retired = signing_key(&owner, "kid-retired", NOW - 200);
    retired.retired_at = Some(NOW - 100);
    let new = signing_key(&owner, "kid-new", NOW);
    for k in [&old, &new, &retired] {
        s.insert_signing_key(k).await.unwrap();
    }
    s.insert_signing_key(&signing_key("organization:x", "kid-org", NOW + 1))
        .await
        .unwrap();
    assert_eq!(
        s.list_signing_keys(&owner).await.unwrap(),
        vec![new, old.clone(), retired]
    );
    assert_eq!(s.list_signing_keys("tenant:nobody").await.unwrap(), vec![]);
    assert_conflict(s.insert_signing_key(&old).await, conflict::SIGNING_KEY);
}

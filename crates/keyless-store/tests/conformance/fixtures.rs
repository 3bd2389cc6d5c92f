//! Builders for valid entities with fresh ids, their `add_*` forms that also create them in a
//! store, and assertion helpers.

use keyless_model::arm::{ResourceGroup, RoleAssignment, Subscription};
use keyless_model::audit::AuditEntry;
use keyless_model::devops::{
    ConnectionState, CreationMode, EndpointType, IssuerGeneration, Job, Organization, Pipeline,
    PipelineDefinition, Project, Scheme, ServiceConnection,
};
use keyless_model::directory::{
    Application, Cloud, FederatedCredential, PasswordCredential, PersonalAccessToken,
    SP_TYPE_APPLICATION, ServicePrincipal, Tenant, TenantSettings, User, UserType,
};
use keyless_model::keys::SigningKeyRecord;
use keyless_model::{UnixTime, Uuid};
use keyless_store::{Store, StoreError, StoreResult};
use std::fmt::Debug;

pub const NOW: UnixTime = 1_750_000_000;

pub fn new_id() -> Uuid {
    Uuid::new_v4()
}

/// The conflict rule of a result that must be a conflict.
#[track_caller]
pub fn conflict_of<T: Debug>(r: StoreResult<T>) -> &'static str {
    match r {
        Err(StoreError::Conflict(rule)) => rule,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// Asserts that a result is a conflict of the rule `rule`.
#[track_caller]
pub fn assert_conflict<T: Debug>(r: StoreResult<T>, rule: &str) {
    assert_eq!(conflict_of(r), rule);
}

#[track_caller]
pub fn assert_not_found<T: Debug>(r: StoreResult<T>) {
    match r {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// `f` of every item of `list`, in order.
pub fn each<T, U>(list: Vec<T>, f: impl FnMut(T) -> U) -> Vec<U> {
    list.into_iter().map(f).collect()
}

/// Declares `add_*(store, builder arguments…)`: builds the entity, creates it in the store
/// (the test fails if the store refuses) and returns it.
macro_rules! adders {
    ($($add:ident = $build:ident($($arg:ident: $ty:ty),*) -> $entity:ty, $create:ident;)*) => {$(
        pub async fn $add(s: &dyn Store, $($arg: $ty),*) -> $entity {
            let entity = $build($($arg),*);
            s.$create(&entity).await.unwrap();
            entity
        }
    )*};
}

adders! {
    add_tenant = tenant(name: &str) -> Tenant, create_tenant;
    add_user = user(tenant_id: Uuid, upn: &str) -> User, create_user;
    add_application = application(tenant_id: Uuid, name: &str) -> Application, create_application;
    add_service_principal = service_principal(tenant_id: Uuid, app_id: Uuid, name: &str)
        -> ServicePrincipal, create_service_principal;
    add_fic = fic(parent_id: Uuid, name: &str, subject: Option<&str>)
        -> FederatedCredential, create_fic;
    add_organization = organization(name: &str) -> Organization, create_organization;
    add_project = project(organization_id: Uuid, name: &str) -> Project, create_project;
    add_connection = connection(p: &Project, name: &str) -> ServiceConnection, create_connection;
}

pub fn tenant(name: &str) -> Tenant {
    Tenant {
        id: new_id(),
        name: name.to_owned(),
        domain: format!("{name}.onmicrosoft.com"),
        display_name: format!("{name} Ltd"),
        cloud: Cloud::Public,
        settings: TenantSettings::default(),
        created_at: NOW,
    }
}

pub fn user(tenant_id: Uuid, upn: &str) -> User {
    User {
        id: new_id(),
        tenant_id,
        user_principal_name: upn.to_owned(),
        display_name: upn.split('@').next().unwrap_or(upn).to_owned(),
        user_type: UserType::Member,
        is_admin: false,
        created_at: NOW,
    }
}

pub fn application(tenant_id: Uuid, name: &str) -> Application {
    Application {
        id: new_id(),
        app_id: new_id(),
        tenant_id,
        display_name: name.to_owned(),
        sign_in_audience: "AzureADMyOrg".into(),
        enabled: true,
        created_by: None,
        owners: Vec::new(),
        created_at: NOW,
        // Round-tripped by every application test.
        identifier_uris: vec![format!("api://{name}")],
        api: serde_json::json!({"requestedAccessTokenVersion": 2})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    }
}

pub fn service_principal(tenant_id: Uuid, app_id: Uuid, name: &str) -> ServicePrincipal {
    ServicePrincipal {
        id: new_id(),
        app_id,
        tenant_id,
        display_name: name.to_owned(),
        account_enabled: true,
        service_principal_type: SP_TYPE_APPLICATION.into(),
        alternative_names: vec![],
        created_at: NOW,
    }
}

pub fn pat(user_id: Uuid, token_hash: &str) -> PersonalAccessToken {
    PersonalAccessToken {
        id: new_id(),
        user_id,
        name: format!("pat {token_hash}"),
        token_hash: token_hash.to_owned(),
        scopes: vec!["vso.build".into(), "vso.serviceendpoint".into()],
        created_at: NOW,
        expires_at: NOW + 86_400,
        revoked_at: None,
    }
}

pub fn password(application_id: Uuid, start: UnixTime) -> PasswordCredential {
    PasswordCredential {
        key_id: new_id(),
        application_id,
        display_name: "ci secret".into(),
        hint: "abc".into(),
        salt: "c2FsdA".into(),
        secret_hash: "00ff".repeat(16),
        start_date_time: start,
        end_date_time: start + 86_400 * 365,
    }
}

pub fn fic(parent_id: Uuid, name: &str, subject: Option<&str>) -> FederatedCredential {
    FederatedCredential {
        id: new_id(),
        parent_id,
        name: name.to_owned(),
        issuer: "https://token.actions.example/".into(),
        subject: subject.map(str::to_owned),
        audiences: vec!["api://AzureADTokenExchange".into()],
        description: Some(format!("credential {name}")),
        claims_matching_expression: subject
            .is_none()
            .then(|| "claims['sub'] matches 'repo:contoso/*'".to_owned()),
        created_at: NOW,
    }
}

pub fn subscription(tenant_id: Uuid) -> Subscription {
    Subscription {
        id: new_id(),
        tenant_id,
        display_name: "Pay-As-You-Go".into(),
        state: "Enabled".into(),
        created_at: NOW,
    }
}

pub fn resource_group(subscription_id: Uuid, name: &str, location: &str) -> ResourceGroup {
    let mut tags = serde_json::Map::new();
    tags.insert("env".into(), serde_json::Value::String(location.to_owned()));
    ResourceGroup {
        subscription_id,
        name: name.to_owned(),
        location: location.to_owned(),
        tags,
        created_at: NOW,
    }
}

pub fn rg_scope(subscription_id: Uuid, name: &str) -> String {
    format!(
        "/subscriptions/{subscription_id}/resourcegroups/{}",
        name.to_lowercase()
    )
}

pub fn assignment(scope: &str, role: Uuid, principal_id: Uuid) -> RoleAssignment {
    RoleAssignment {
        id: new_id(),
        scope: scope.to_owned(),
        role_definition_id: role,
        principal_id,
        principal_type: "ServicePrincipal".into(),
        created_by: Some(new_id()),
        created_at: NOW,
    }
}

pub fn organization(name: &str) -> Organization {
    Organization {
        id: new_id(),
        name: name.to_owned(),
        tenant_id: Some(new_id()),
        cloud: Cloud::Public,
        owner_id: None,
        created_at: NOW,
    }
}

pub fn project(organization_id: Uuid, name: &str) -> Project {
    Project {
        id: new_id(),
        organization_id,
        name: name.to_owned(),
        description: format!("the {name} project"),
        created_at: NOW,
    }
}

pub fn connection(p: &Project, name: &str) -> ServiceConnection {
    let mut data = serde_json::Map::new();
    data.insert("subscriptionId".into(), serde_json::json!(new_id()));
    data.insert("scopeLevel".into(), serde_json::json!("Subscription"));
    ServiceConnection {
        id: new_id(),
        organization_id: p.organization_id,
        project_id: p.id,
        name: name.to_owned(),
        endpoint_type: EndpointType::AzureRm,
        scheme: Scheme::WorkloadIdentityFederation,
        tenant_id: new_id(),
        client_id: new_id(),
        issuer_generation: IssuerGeneration::AzureDevOps,
        creation_mode: CreationMode::Manual,
        state: ConnectionState::Ready,
        status_message: String::new(),
        description: String::new(),
        data,
        created_by: None,
        created_at: NOW,
    }
}

/// Creates the pipeline `name` of `project_id` referencing no connection: its id.
pub async fn add_pipeline(s: &dyn Store, project_id: Uuid, name: &str) -> i64 {
    s.create_pipeline(&pipeline(project_id, name, vec![]))
        .await
        .unwrap()
}

pub fn pipeline(project_id: Uuid, name: &str, connections: Vec<Uuid>) -> Pipeline {
    Pipeline {
        id: 0,
        project_id,
        name: name.to_owned(),
        connections,
        definition: Some(PipelineDefinition {
            path: "ci/azure-pipelines.yml".into(),
            files: [
                (
                    "ci/azure-pipelines.yml".into(),
                    format!("# {name}\nsteps:\n- template: steps.yml\n"),
                ),
                (
                    "ci/steps.yml".into(),
                    "steps:\n- script: echo ünïcode\n".into(),
                ),
            ]
            .into(),
        }),
        created_at: NOW,
    }
}

pub fn job(p: &Pipeline, token_hash: &str) -> Job {
    Job {
        id: new_id(),
        plan_id: new_id(),
        pipeline_id: p.id,
        project_id: p.project_id,
        token_hash: token_hash.to_owned(),
        created_at: NOW,
        expires_at: NOW + 3_600,
        finished_at: None,
        run_id: None,
        pool_id: None,
        agent_id: None,
        connections: Some(p.connections.clone()),
    }
}

pub fn signing_key(owner: &str, kid: &str, created_at: UnixTime) -> SigningKeyRecord {
    SigningKeyRecord {
        kid: kid.to_owned(),
        owner: owner.to_owned(),
        alg: "RS256".into(),
        cert_der: vec![0x30, 0x82, 0x01, 0x00, 0xff],
        sealed_private_key: (0..=255).collect(),
        created_at,
        not_before: created_at,
        retired_at: None,
    }
}

/// A token decision with every optional field empty and an empty JSON object as detail.
pub fn audit_entry(at: UnixTime, kind: &str, decision: &str) -> AuditEntry {
    AuditEntry {
        detail: serde_json::json!({}),
        ..AuditEntry::new(new_id(), at, kind, decision)
    }
}

/// Runs `racer(0)`…`racer(n - 1)` as concurrent tasks: the pool warmed first with `n` pings
/// and the racers lined up on a barrier, so that their transactions overlap rather than
/// queue behind connection setup. Their results, in the order they finished.
pub async fn race<T, F, Fut>(s: &keyless_store::SharedStore, n: usize, racer: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut warm = tokio::task::JoinSet::new();
    for _ in 0..n {
        let s = s.clone();
        warm.spawn(async move { s.ping().await });
    }
    while let Some(result) = warm.join_next().await {
        result.unwrap().unwrap();
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (run, start) = (racer(i), start.clone());
        tasks.spawn(async move {
            start.wait().await;
            run.await
        });
    }
    let mut out = Vec::with_capacity(n);
    while let Some(result) = tasks.join_next().await {
        out.push(result.unwrap());
    }
    out
}

//! Agent pools and agents, and the pool and agent a job records.

use crate::fixtures::*;
use keyless_model::devops::agents::{Agent, AgentPool};
use keyless_store::{Store, StoreError, conflict};

fn agent(pool_id: i64, name: &str, hash: &str) -> Agent {
    Agent {
        id: 0,
        pool_id,
        name: name.into(),
        vm_resource_id: Some(format!(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/{name}"
        )),
        secret_hash: hash.into(),
        sealed_secret: "sealed".into(),
        created_at: NOW,
    }
}

pub async fn pools_agents_and_the_hosted_pool(s: &dyn Store) {
    let o = add_organization(s, "contoso").await;
    let hosted = s.hosted_pool(o.id, "Azure Pipelines", NOW).await.unwrap();
    assert!(hosted.is_hosted);
    // Asked again, the same pool.
    assert_eq!(
        s.hosted_pool(o.id, "Azure Pipelines", NOW + 5)
            .await
            .unwrap(),
        hosted
    );
    let mut own = AgentPool {
        id: 0,
        organization_id: o.id,
        name: "Builders".into(),
        is_hosted: false,
        created_by: Some(new_id()),
        created_at: NOW,
    };
    own.id = s.create_pool(&own).await.unwrap();
    assert_eq!(s.get_pool(own.id).await.unwrap(), own);
    assert_eq!(s.find_pool(o.id, "builders").await.unwrap(), own);
    assert_eq!(
        s.list_pools(o.id).await.unwrap(),
        vec![hosted.clone(), own.clone()]
    );
    let again = AgentPool {
        name: "BUILDERS".into(),
        ..own.clone()
    };
    assert!(
        matches!(s.create_pool(&again).await, Err(StoreError::Conflict(c)) if c == conflict::POOL_NAME)
    );

    let mut a = agent(own.id, "vm-agent", "h1");
    a.id = s.create_agent(&a).await.unwrap();
    assert_eq!(s.get_agent(a.id).await.unwrap(), a);
    assert_eq!(s.find_agent_by_secret_hash("h1").await.unwrap(), a);
    assert_eq!(s.list_agents(own.id).await.unwrap(), vec![a.clone()]);
    let dup = agent(own.id, "VM-AGENT", "h2");
    assert!(
        matches!(s.create_agent(&dup).await, Err(StoreError::Conflict(c)) if c == conflict::AGENT_NAME)
    );
    assert!(matches!(
        s.create_agent(&agent(9999, "x", "h3")).await,
        Err(StoreError::NotFound)
    ));

    // A job records where it ran.
    let p = add_project(s, o.id, "web").await;
    let pipeline = add_pipeline(s, p.id, "deploy").await;
    let pl = s.get_pipeline(pipeline).await.unwrap();
    let mut j = job(&pl, "hash-job");
    j.pool_id = Some(own.id);
    j.agent_id = Some(a.id);
    s.create_job(&j).await.unwrap();
    let got = s.get_job(j.id).await.unwrap();
    assert_eq!((got.pool_id, got.agent_id), (Some(own.id), Some(a.id)));

    s.delete_agent(a.id).await.unwrap();
    assert!(matches!(s.get_agent(a.id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        s.delete_agent(a.id).await,
        Err(StoreError::NotFound)
    ));
    s.delete_pool(own.id).await.unwrap();
    assert_eq!(s.list_pools(o.id).await.unwrap(), vec![hosted]);
}

/// A key-encryption key rotation replaces only an agent's sealed secret.
pub async fn reseal_replaces_only_the_sealed_secret(s: &dyn Store) {
    let o = add_organization(s, "contoso").await;
    let pool = AgentPool {
        id: 0,
        organization_id: o.id,
        name: "Builders".into(),
        is_hosted: false,
        created_by: None,
        created_at: NOW,
    };
    let pool_id = s.create_pool(&pool).await.unwrap();
    let mut a = agent(pool_id, "vm-1", "hash-1");
    a.id = s.create_agent(&a).await.unwrap();
    s.reseal_agent_secret(a.id, "sealed anew").await.unwrap();
    let want = Agent {
        sealed_secret: "sealed anew".into(),
        ..a.clone()
    };
    assert_eq!(s.get_agent(a.id).await.unwrap(), want);
    assert!(matches!(
        s.reseal_agent_secret(a.id + 1000, "x").await,
        Err(StoreError::NotFound)
    ));
}

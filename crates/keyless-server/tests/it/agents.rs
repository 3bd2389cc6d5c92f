//! Agent pools and agents: the hosted pool every organization has, self-hosted pools and
//! agents added by administrators (REST shapes `_apis/distributedtask/pools`, keyless'
//! API), who may add them, and where a job runs (`pool: vmImage` hosted, `pool: name` a
//! self-hosted pool's agent). Each refusal is checked for its status, code, envelope, and
//! that nothing changed.
#![allow(clippy::unwrap_used)]

use crate::common::{TestServer, assert_devops_error};
use crate::sc_support::person;
use reqwest::StatusCode;
use serde_json::{Value, json};

const POOLS: &str = "/keyless/v1/organizations/contoso/pools";
const REST_POOLS: &str = "/contoso/_apis/distributedtask/pools?api-version=7.1";
const JOBS: &str = "/keyless/v1/organizations/contoso/projects/web/pipelines/hello/jobs";

/// A VM id of the demo subscription.
fn vm(s: &TestServer, name: &str) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/demo-rg/providers/Microsoft.Compute/virtualMachines/{name}",
        s.var("AZURE_SUBSCRIPTION_ID")
    )
}

/// The pools and every pool's agents, as the REST shape lists them.
async fn snapshot(s: &TestServer) -> Value {
    let pools = s.admin_ok(REST_POOLS).await;
    let mut agents = Vec::new();
    for p in pools["value"].as_array().unwrap() {
        let path = format!("/contoso/_apis/distributedtask/pools/{}/agents", p["id"]);
        agents.push(s.admin_ok(&path).await["value"].clone());
    }
    json!({"pools": pools["value"], "agents": agents})
}

/// Adds pool `builders` with agent `vm-agent` on VM `build-vm`; returns the agent.
async fn builders(s: &TestServer) -> Value {
    s.admin_created(POOLS, json!({"name": "builders"})).await;
    s.admin_created(
        &format!("{POOLS}/builders/agents"),
        json!({"name": "vm-agent", "vm": vm(s, "build-vm")}),
    )
    .await
}

#[tokio::test]
async fn every_organization_has_the_hosted_pool_and_administrators_add_their_own() {
    let s = TestServer::start().await;
    let pools = s.admin_ok(REST_POOLS).await;
    assert_eq!(pools["count"], 1, "{pools}");
    let hosted = &pools["value"][0];
    assert_eq!(hosted["name"], "Azure Pipelines");
    assert_eq!(hosted["isHosted"], true);
    assert_eq!(hosted["poolType"], "automation");
    let agent = builders(&s).await;
    assert!(
        agent["secret"].as_str().unwrap().starts_with("kla_"),
        "{agent}"
    );
    assert_eq!(agent["vm"], json!(vm(&s, "build-vm")));
    let pools = s.admin_ok(REST_POOLS).await;
    assert_eq!(pools["count"], 2);
    let own = &pools["value"][1];
    assert_eq!(
        (
            own["name"].clone(),
            own["isHosted"].clone(),
            own["size"].clone()
        ),
        (json!("builders"), json!(false), json!(1))
    );
    // By name, by id, and its agents as `az pipelines agent list` reads them; never the secret.
    let by_name = s
        .admin_ok("/contoso/_apis/distributedtask/pools?poolName=BUILDERS")
        .await;
    assert_eq!(by_name["value"][0]["id"], own["id"]);
    let one = s
        .admin_ok(&format!(
            "/contoso/_apis/distributedtask/pools/{}",
            own["id"]
        ))
        .await;
    assert_eq!(one["name"], "builders");
    let agents = s
        .admin_ok(&format!(
            "/contoso/_apis/distributedtask/pools/{}/agents",
            own["id"]
        ))
        .await;
    assert_eq!(agents["count"], 1);
    let listed = &agents["value"][0];
    assert_eq!(listed["name"], "vm-agent");
    assert_eq!(listed["enabled"], true);
    assert_eq!(listed["status"], "online");
    assert_eq!(
        listed["systemCapabilities"]["Azure.VirtualMachine"],
        json!(vm(&s, "build-vm"))
    );
    assert!(listed.get("secret").is_none(), "{listed}");
    assert!(
        !agents
            .to_string()
            .contains(agent["secret"].as_str().unwrap())
    );
    let one = s
        .admin_ok(&format!(
            "/contoso/_apis/distributedtask/pools/{}/agents/{}",
            own["id"], listed["id"]
        ))
        .await;
    assert_eq!(one["name"], "vm-agent");
    // Removing the agent, then the pool.
    let (st, _) = s
        .admin_delete(&format!("{POOLS}/builders/agents/vm-agent"))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = s.admin_delete(&format!("{POOLS}/builders")).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(s.admin_ok(REST_POOLS).await["count"], 1);
}

#[tokio::test]
async fn refusals_change_nothing() {
    let s = TestServer::start().await;
    builders(&s).await;
    let before = snapshot(&s).await;
    let user = person(&s, "pool-user").await;
    // A user of the organization who is not a Project Collection Administrator.
    let (st, b) = s.post_as(&user.token, POOLS, json!({"name": "mine"})).await;
    assert_devops_error(
        st,
        &b,
        403,
        "AccessCheckException",
        "Only the organization owner and Project Collection Administrators manage the agent pools of the organization contoso. Ask a keyless administrator.",
    );
    assert!(b.get("$id").is_some(), "{b}");
    let (st, b) = s
        .post_as(
            &user.token,
            &format!("{POOLS}/builders/agents"),
            json!({"name": "sneaky"}),
        )
        .await;
    assert_eq!(
        (st, b["typeKey"].clone()),
        (StatusCode::FORBIDDEN, json!("AccessCheckException"))
    );
    let (st, b) = s.delete_as(&user.token, &format!("{POOLS}/builders")).await;
    assert_eq!(
        (st, b["typeKey"].clone()),
        (StatusCode::FORBIDDEN, json!("AccessCheckException"))
    );
    let (st, b) = s
        .delete_as(&user.token, &format!("{POOLS}/builders/agents/vm-agent"))
        .await;
    assert_eq!(
        (st, b["typeKey"].clone()),
        (StatusCode::FORBIDDEN, json!("AccessCheckException"))
    );
    // Users of the organization read the pools.
    assert_eq!(s.get_ok_as(&user.token, REST_POOLS).await["count"], 2);
    // No access to the organization at all.
    let (st, b) = s.anon_get(REST_POOLS).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{b}");
    for (path, body, status, key) in [
        (
            POOLS.to_string(),
            json!({"name": "Builders"}),
            409,
            "already exists",
        ),
        (
            POOLS.to_string(),
            json!({"name": "bad/name"}),
            400,
            "The pool name 'bad/name' is not valid",
        ),
        (
            POOLS.to_string(),
            json!({"name": "x", "size": 3}),
            400,
            "size",
        ),
        (
            format!("{POOLS}/Azure Pipelines/agents"),
            json!({"name": "mine"}),
            400,
            "none can be registered in it",
        ),
        (
            format!("{POOLS}/builders/agents"),
            json!({"name": "VM-AGENT"}),
            409,
            "already exists",
        ),
        (
            format!("{POOLS}/builders/agents"),
            json!({"name": "a2", "vm": "/subscriptions/x/resourceGroups/rg"}),
            400,
            "is not the id of a virtual machine",
        ),
        (
            format!("{POOLS}/nowhere/agents"),
            json!({"name": "a3"}),
            404,
            "Agent pool nowhere could not be found.",
        ),
    ] {
        let (st, b) = s.admin_post(&path, body.clone()).await;
        assert_eq!(st.as_u16(), status, "{path} {body}: {b}");
        assert!(
            b["message"].as_str().unwrap().contains(key),
            "{path} {body}: {b}"
        );
        assert_eq!(
            b["typeKey"], "ServiceEndpointException",
            "{path} {body}: {b}"
        );
    }
    let (st, b) = s.admin_delete(&format!("{POOLS}/Azure Pipelines")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
    assert!(
        b["message"].as_str().unwrap().contains("cannot be deleted"),
        "{b}"
    );
    let (st, b) = s
        .admin_get("/contoso/_apis/distributedtask/pools/999")
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{b}");
    assert_eq!(b["message"], "Agent pool 999 could not be found.");
    assert_eq!(snapshot(&s).await, before);
}

async fn start(s: &TestServer, pool: Value) -> (StatusCode, Value) {
    s.admin_post(JOBS, json!({"minutes": 5, "pool": pool}))
        .await
}

#[tokio::test]
async fn a_job_runs_in_its_pool_on_an_agent() {
    let s = TestServer::start().await;
    s.admin_web_pipeline("hello", "steps:\n  - script: echo hi\n")
        .await;
    let agent = builders(&s).await;
    let hosted = s.admin_ok(REST_POOLS).await["value"][0]["id"].clone();
    for pool in [
        json!(null),
        json!({"vmImage": "ubuntu-latest"}),
        json!({"name": "Azure Pipelines"}),
    ] {
        let (st, b) = start(&s, pool.clone()).await;
        assert_eq!(st, StatusCode::CREATED, "{pool}: {b}");
        assert_eq!(b["job"]["poolId"], hosted, "{b}");
        assert_eq!(b["job"]["agentId"], Value::Null);
        assert_eq!(b["env"]["AGENT_NAME"], "Hosted Agent");
    }
    let (st, b) = start(&s, json!({"name": "builders"})).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["job"]["agentId"], agent["id"]);
    assert_eq!(b["env"]["AGENT_NAME"], "vm-agent");
    assert_eq!(b["env"]["AGENT_ID"], agent["id"].to_string());
    let stored = s
        .store()
        .get_job(b["job"]["id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap();
    assert_eq!(stored.agent_id, agent["id"].as_i64());
    assert_eq!(stored.pool_id, b["job"]["poolId"].as_i64());
    // A pool that does not exist, an empty pool, an agent that is not in the pool: the job
    // is refused before it is stored.
    s.admin_created(POOLS, json!({"name": "empty"})).await;
    let (st, b) = start(&s, json!({"name": "nowhere"})).await;
    assert_devops_error(
        st,
        &b,
        400,
        "PipelineValidationException",
        "Could not find a pool with name nowhere. The pool does not exist or has not been authorized for use. For authorization details, refer to https://aka.ms/yamlauthz.",
    );
    let (st, b) = start(&s, json!({"name": "empty"})).await;
    assert_devops_error(
        st,
        &b,
        400,
        "PipelineValidationException",
        "No agent found in pool empty which satisfies the specified demands: ",
    );
    let (st, b) = start(&s, json!({"name": "builders", "agent": "other"})).await;
    assert_devops_error(
        st,
        &b,
        400,
        "PipelineValidationException",
        "No agent found in pool builders which satisfies the specified demands: Agent.Name -equals other",
    );
}

#[tokio::test]
async fn world_files_add_pools_and_agents_idempotently() {
    use crate::common::Expect;
    use crate::support::apply;
    let s = TestServer::start().await;
    let world = format!(
        "organizations:\n  - name: contoso\n    tenant: contoso\n    pools:\n      - name: builders\n        agents:\n          - name: vm-agent\n            vm: {}\n          - name: plain\n",
        vm(&s, "build-vm")
    );
    let first = apply(&s, &world).await.expect_status(StatusCode::OK);
    let changes = first["changes"].as_array().unwrap();
    for want in [
        "created agent pool contoso/builders",
        "registered agent vm-agent in contoso/builders",
        "registered agent plain in contoso/builders",
    ] {
        assert!(changes.contains(&json!(want)), "{want}: {first}");
    }
    let again = apply(&s, &world).await.expect_status(StatusCode::OK);
    assert_eq!(again["changes"], json!([]), "{again}");
    let agents = s.admin_ok(&format!("{POOLS}/builders/agents")).await;
    assert_eq!(agents["count"], 2, "{agents}");
    // An invalid VM id is refused with its path, and nothing of the file is kept.
    let bad = world
        .replace("builders", "testers")
        .replace("/subscriptions/", "/nope/");
    let (st, b) = apply(&s, &bad).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
    assert!(b.to_string().contains("pools[0].agents[0].vm"), "{b}");
    let (st, _) = s.admin_get(&format!("{POOLS}/testers/agents")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

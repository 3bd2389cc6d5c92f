//! Rows of the DevOps tables: organizations, projects, service connections, pipelines, jobs.

use keyless_model::UnixTime;
use keyless_model::devops::agents::{Agent, AgentPool};
use keyless_model::devops::runs::{Run, RunState};
use keyless_model::devops::{
    ConnectionState, CreationMode, EndpointType, IssuerGeneration, Job, Organization, Pipeline,
    Project, Scheme, ServiceConnection,
};
use keyless_model::directory::Cloud;

rows! {
    OrganizationRow => Organization in "organizations" {
        id: String as uuid,
        name: String,
        tenant_id: Option<String> as opt_uuid,
        cloud: String as parse(Cloud),
        owner_id: Option<String> as opt_uuid,
        created_at: UnixTime,
    }

    ProjectRow => Project in "projects" {
        id: String as uuid,
        organization_id: String as uuid,
        name: String,
        description: String,
        created_at: UnixTime,
    }

    ConnectionRow => ServiceConnection in "service_connections" {
        id: String as uuid,
        organization_id: String as uuid,
        project_id: String as uuid,
        name: String,
        endpoint_type: String as parse(EndpointType),
        scheme: String as parse(Scheme),
        tenant_id: String as uuid,
        client_id: String as uuid,
        issuer_generation: String as parse(IssuerGeneration),
        creation_mode: String as parse(CreationMode),
        state: String as parse(ConnectionState),
        status_message: String,
        description: String,
        data: String as json,
        created_by: Option<String> as opt_uuid,
        created_at: UnixTime,
    }

    PipelineRow => Pipeline in "pipelines" {
        id: i64,
        project_id: String as uuid,
        name: String,
        connections: String as json,
        definition: String as json,
        created_at: UnixTime,
    }

    JobRow => Job in "jobs" {
        id: String as uuid,
        plan_id: String as uuid,
        pipeline_id: i64,
        project_id: String as uuid,
        token_hash: String,
        created_at: UnixTime,
        expires_at: UnixTime,
        finished_at: Option<UnixTime>,
        connections: String as json,
        run_id: Option<i64>,
        pool_id: Option<i64>,
        agent_id: Option<i64>,
    }

    AgentPoolRow => AgentPool in "agent_pools" {
        id: i64,
        organization_id: String as uuid,
        name: String,
        is_hosted: bool,
        created_by: Option<String> as opt_uuid,
        created_at: UnixTime,
    }

    AgentRow => Agent in "agents" {
        id: i64,
        pool_id: i64,
        name: String,
        vm_resource_id: Option<String>,
        secret_hash: String,
        sealed_secret: String,
        created_at: UnixTime,
    }

    RunRow => Run in "runs" {
        id: i64,
        pipeline_id: i64,
        project_id: String as uuid,
        name: String,
        state: String as parse(RunState),
        result: String as json,
        requested_by: Option<String> as opt_uuid,
        created_at: UnixTime,
        finished_at: Option<UnixTime>,
        variables: String as json,
        jobs: String as json,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreError;
    use crate::rows::IntoModel;

    fn row() -> ConnectionRow {
        let id = keyless_model::Uuid::new_v4().to_string();
        ConnectionRow {
            id: id.clone(),
            organization_id: id.clone(),
            project_id: id.clone(),
            name: "c".into(),
            endpoint_type: "azurerm".into(),
            scheme: "ServicePrincipal".into(),
            tenant_id: id.clone(),
            client_id: id,
            issuer_generation: "EntraID".into(),
            creation_mode: "Automatic".into(),
            state: "Draft".into(),
            status_message: String::new(),
            description: String::new(),
            data: "{}".into(),
            created_by: None,
            created_at: 0,
        }
    }

    #[test]
    fn connection_vocabulary_columns() {
        let c = row().into_model().unwrap();
        assert_eq!(c.endpoint_type, EndpointType::AzureRm);
        assert_eq!(c.scheme, Scheme::ServicePrincipal);
        assert_eq!(c.creation_mode, CreationMode::Automatic);
        assert_eq!(c.state, ConnectionState::Draft);
        let corrupt: [fn(&mut ConnectionRow); 4] = [
            |r| r.endpoint_type = "other".into(),
            |r| r.scheme = "other".into(),
            |r| r.creation_mode = "other".into(),
            |r| r.state = "other".into(),
        ];
        for spoil in corrupt {
            let mut r = row();
            spoil(&mut r);
            assert!(matches!(r.into_model(), Err(StoreError::Backend(_))));
        }
    }
}

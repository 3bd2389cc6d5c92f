//! Rows of the DevOps tables: organizations, projects, service connections, pipelines, jobs.

use super::{IntoModel, corrupt, from_json, opt_uuid, uuid};
use crate::StoreResult;
use keyless_model::UnixTime;
use keyless_model::devops::{
    ConnectionState, CreationMode, EndpointType, IssuerGeneration, Job, Organization, Pipeline,
    Project, Scheme, ServiceConnection,
};
use keyless_model::directory::Cloud;

#[derive(sqlx::FromRow)]
pub(crate) struct OrganizationRow {
    id: String,
    name: String,
    tenant_id: Option<String>,
    cloud: String,
    created_at: UnixTime,
}

impl IntoModel for OrganizationRow {
    type Model = Organization;
    fn into_model(self) -> StoreResult<Organization> {
        Ok(Organization {
            id: uuid("organizations.id", &self.id)?,
            tenant_id: opt_uuid("organizations.tenant_id", self.tenant_id)?,
            name: self.name,
            cloud: Cloud::parse(&self.cloud)
                .ok_or_else(|| corrupt("organizations.cloud", &self.cloud))?,
            created_at: self.created_at,
        })
    }
}

rows! {
    ProjectRow => Project in "projects" {
        id: String as uuid,
        organization_id: String as uuid,
        name: String,
        description: String,
        created_at: UnixTime,
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConnectionRow {
    id: String,
    organization_id: String,
    project_id: String,
    name: String,
    endpoint_type: String,
    scheme: String,
    tenant_id: String,
    client_id: String,
    issuer_generation: String,
    creation_mode: String,
    state: String,
    status_message: String,
    description: String,
    data: String,
    created_by: Option<String>,
    created_at: UnixTime,
}

impl IntoModel for ConnectionRow {
    type Model = ServiceConnection;
    fn into_model(self) -> StoreResult<ServiceConnection> {
        Ok(ServiceConnection {
            id: uuid("service_connections.id", &self.id)?,
            organization_id: uuid("service_connections.organization_id", &self.organization_id)?,
            project_id: uuid("service_connections.project_id", &self.project_id)?,
            tenant_id: uuid("service_connections.tenant_id", &self.tenant_id)?,
            client_id: uuid("service_connections.client_id", &self.client_id)?,
            issuer_generation: IssuerGeneration::parse(&self.issuer_generation).ok_or_else(
                || {
                    corrupt(
                        "service_connections.issuer_generation",
                        &self.issuer_generation,
                    )
                },
            )?,
            data: from_json("service_connections.data", &self.data)?,
            created_by: opt_uuid("service_connections.created_by", self.created_by)?,
            name: self.name,
            endpoint_type: EndpointType::parse(&self.endpoint_type)
                .ok_or_else(|| corrupt("service_connections.endpoint_type", &self.endpoint_type))?,
            scheme: Scheme::parse(&self.scheme)
                .ok_or_else(|| corrupt("service_connections.scheme", &self.scheme))?,
            creation_mode: CreationMode::parse(&self.creation_mode)
                .ok_or_else(|| corrupt("service_connections.creation_mode", &self.creation_mode))?,
            state: ConnectionState::parse(&self.state)
                .ok_or_else(|| corrupt("service_connections.state", &self.state))?,
            status_message: self.status_message,
            description: self.description,
            created_at: self.created_at,
        })
    }
}

rows! {
    PipelineRow => Pipeline in "pipelines" {
        id: i64,
        project_id: String as uuid,
        name: String,
        connections: String as json,
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreError;

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

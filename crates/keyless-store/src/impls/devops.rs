//! Organizations, projects, service connections, pipelines and jobs.

use super::{cascade, found};
use crate::rows::{
    ConnectionRow, JobRow, OrganizationRow, PipelineRow, ProjectRow, id, json, key, opt_id,
};
use crate::{DevopsStore, StoreResult};
use async_trait::async_trait;
use keyless_model::devops::{Job, Organization, Pipeline, Project, ServiceConnection};
use keyless_model::{UnixTime, Uuid};

select!($ projects = "SELECT id, organization_id, name, description, created_at FROM projects ");

select!($ connections =
    "SELECT id, organization_id, project_id, name, endpoint_type, scheme, tenant_id, \
     client_id, issuer_generation, creation_mode, state, status_message, description, data, \
     created_by, created_at FROM service_connections ");

select!($ pipelines =
    "SELECT id, project_id, name, connections, definition, created_at FROM pipelines ");

select!($ jobs =
    "SELECT id, plan_id, pipeline_id, project_id, token_hash, created_at, expires_at, \
     finished_at, connections, run_id, pool_id, agent_id FROM jobs ");

/// Runs `$sql` [`on!`] `self` with the connection `$c`'s id bound as `$1`, the columns an
/// update may change as `$2` to `$13`, then `$more`.
macro_rules! execute_connection {
    ($store:ident, $sql:expr, $c:ident $(, $more:expr)* $(,)?) => {
        execute!(
            $store,
            $sql,
            id($c.id),
            &$c.name,
            key(&$c.name),
            $c.endpoint_type.as_str(),
            $c.scheme.as_str(),
            id($c.tenant_id),
            id($c.client_id),
            $c.issuer_generation.as_str(),
            $c.creation_mode.as_str(),
            $c.state.as_str(),
            &$c.description,
            json(&$c.data)?,
            &$c.status_message,
            $($more,)*
        )
    };
}

for_each_backend! {
    #[async_trait]
    impl DevopsStore for Backend {
        async fn create_organization(&self, o: &Organization) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO organizations (id, name, name_key, tenant_id, cloud, owner_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                id(o.id),
                &o.name,
                key(&o.name),
                opt_id(o.tenant_id),
                o.cloud.as_str(),
                opt_id(o.owner_id),
                o.created_at,
            );
            Ok(())
        }

        async fn get_organization(&self, org: Uuid) -> StoreResult<Organization> {
            fetch_one!(
                self,
                OrganizationRow,
                "SELECT id, name, tenant_id, cloud, owner_id, created_at FROM organizations WHERE id = $1",
                id(org),
            )
        }

        async fn find_organization(&self, name: &str) -> StoreResult<Organization> {
            fetch_one!(
                self,
                OrganizationRow,
                "SELECT id, name, tenant_id, cloud, owner_id, created_at FROM organizations WHERE name_key = $1",
                key(name),
            )
        }

        async fn list_organizations(&self) -> StoreResult<Vec<Organization>> {
            fetch_all!(
                self,
                OrganizationRow,
                "SELECT id, name, tenant_id, cloud, owner_id, created_at FROM organizations ORDER BY name_key",
            )
        }

        async fn create_project(&self, p: &Project) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO projects (id, organization_id, name, name_key, description, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                id(p.id),
                id(p.organization_id),
                &p.name,
                key(&p.name),
                &p.description,
                p.created_at,
            );
            Ok(())
        }

        async fn get_project(&self, project: Uuid) -> StoreResult<Project> {
            fetch_one!(self, ProjectRow, projects!("WHERE id = $1"), id(project))
        }

        async fn find_project(&self, organization_id: Uuid, name: &str) -> StoreResult<Project> {
            fetch_one!(
                self,
                ProjectRow,
                projects!("WHERE organization_id = $1 AND name_key = $2"),
                id(organization_id),
                key(name),
            )
        }

        async fn list_projects(&self, organization_id: Uuid) -> StoreResult<Vec<Project>> {
            fetch_all!(
                self,
                ProjectRow,
                projects!("WHERE organization_id = $1 ORDER BY name_key"),
                id(organization_id),
            )
        }

        async fn rename_organization(&self, org: Uuid, name: &str) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE organizations SET name = $2, name_key = $3 WHERE id = $1",
                id(org),
                name,
                key(name),
            ))
        }

        async fn rename_project(&self, project: Uuid, name: &str) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE projects SET name = $2, name_key = $3 WHERE id = $1",
                id(project),
                name,
                key(name),
            ))
        }

        async fn delete_project(&self, project: Uuid) -> StoreResult<()> {
            cascade_delete!(
                self,
                cascade::PROJECT,
                cascade::PROJECT_ITSELF,
                id(project),
                refuse: [(crate::conflict::PROJECT_RUNNING, cascade::PROJECT_RUNNING)],
            )
        }

        async fn delete_organization(&self, org: Uuid) -> StoreResult<()> {
            cascade_delete!(
                self,
                cascade::ORGANIZATION_PROJECTS.iter().chain(cascade::ORGANIZATION),
                cascade::ORGANIZATION_ITSELF,
                id(org),
                refuse: [(crate::conflict::ORGANIZATION_RUNNING, cascade::ORGANIZATION_RUNNING)],
            )
        }

        async fn create_connection(&self, c: &ServiceConnection) -> StoreResult<()> {
            execute_connection!(
                self,
                "INSERT INTO service_connections (id, name, name_key, endpoint_type, scheme, \
                 tenant_id, client_id, issuer_generation, creation_mode, state, description, data, \
                 status_message, organization_id, project_id, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                c,
                id(c.organization_id),
                id(c.project_id),
                opt_id(c.created_by),
                c.created_at,
            );
            Ok(())
        }

        async fn get_connection(&self, connection: Uuid) -> StoreResult<ServiceConnection> {
            fetch_one!(self, ConnectionRow, connections!("WHERE id = $1"), id(connection))
        }

        async fn find_connection(
            &self,
            project_id: Uuid,
            name: &str,
        ) -> StoreResult<ServiceConnection> {
            fetch_one!(
                self,
                ConnectionRow,
                connections!("WHERE project_id = $1 AND name_key = $2"),
                id(project_id),
                key(name),
            )
        }

        async fn list_connections(&self, project_id: Uuid) -> StoreResult<Vec<ServiceConnection>> {
            fetch_all!(
                self,
                ConnectionRow,
                connections!("WHERE project_id = $1 ORDER BY name_key"),
                id(project_id),
            )
        }

        /// Everything but the ids, the creator and the creation time may change.
        async fn update_connection(&self, c: &ServiceConnection) -> StoreResult<()> {
            found(execute_connection!(
                self,
                "UPDATE service_connections SET name = $2, name_key = $3, endpoint_type = $4, \
                 scheme = $5, tenant_id = $6, client_id = $7, issuer_generation = $8, \
                 creation_mode = $9, state = $10, description = $11, data = $12, \
                 status_message = $13 WHERE id = $1",
                c,
            ))
        }

        /// Takes the connection's roles, shares and pipeline permissions with it, in one
        /// transaction.
        async fn delete_connection(&self, connection: Uuid) -> StoreResult<()> {
            cascade_delete!(self, cascade::CONNECTION, cascade::CONNECTION_ITSELF, id(connection))
        }

        async fn create_pipeline(&self, p: &Pipeline) -> StoreResult<i64> {
            fetch!(
                self,
                query_scalar,
                fetch_one,
                "INSERT INTO pipelines (project_id, name, name_key, connections, definition, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                id(p.project_id),
                &p.name,
                key(&p.name),
                json(&p.connections)?,
                json(&p.definition)?,
                p.created_at,
            )
        }

        async fn get_pipeline(&self, pipeline: i64) -> StoreResult<Pipeline> {
            fetch_one!(self, PipelineRow, pipelines!("WHERE id = $1"), pipeline)
        }

        async fn find_pipeline(&self, project_id: Uuid, name: &str) -> StoreResult<Pipeline> {
            fetch_one!(
                self,
                PipelineRow,
                pipelines!("WHERE project_id = $1 AND name_key = $2"),
                id(project_id),
                key(name),
            )
        }

        async fn list_pipelines(&self, project_id: Uuid) -> StoreResult<Vec<Pipeline>> {
            fetch_all!(
                self,
                PipelineRow,
                pipelines!("WHERE project_id = $1 ORDER BY id"),
                id(project_id),
            )
        }

        /// Updates the name, the connections and the YAML (the project is fixed).
        async fn update_pipeline(&self, p: &Pipeline) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE pipelines SET name = $2, name_key = $3, connections = $4, \
                 definition = $5 WHERE id = $1",
                p.id,
                &p.name,
                key(&p.name),
                json(&p.connections)?,
                json(&p.definition)?,
            ))
        }

        async fn delete_pipeline(&self, pipeline: i64) -> StoreResult<()> {
            cascade_delete!(
                self,
                cascade::PIPELINE,
                cascade::PIPELINE_ITSELF,
                pipeline.to_string(),
                refuse: [(crate::conflict::PIPELINE_RUNNING, cascade::PIPELINE_RUNNING)],
            )
        }

        async fn create_job(&self, j: &Job) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO jobs (id, plan_id, pipeline_id, project_id, token_hash, created_at, \
                 expires_at, finished_at, connections, run_id, pool_id, agent_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                id(j.id),
                id(j.plan_id),
                j.pipeline_id,
                id(j.project_id),
                &j.token_hash,
                j.created_at,
                j.expires_at,
                j.finished_at,
                json(&j.connections)?,
                j.run_id,
                j.pool_id,
                j.agent_id,
            );
            Ok(())
        }

        async fn get_job(&self, job: Uuid) -> StoreResult<Job> {
            fetch_one!(self, JobRow, jobs!("WHERE id = $1"), id(job))
        }

        async fn find_job_by_token_hash(&self, token_hash: &str) -> StoreResult<Job> {
            fetch_one!(self, JobRow, jobs!("WHERE token_hash = $1"), token_hash)
        }

        /// Finishing twice keeps the first time.
        async fn finish_job(&self, job: Uuid, at: UnixTime) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE jobs SET finished_at = COALESCE(finished_at, $2) WHERE id = $1",
                id(job),
                at,
            ))
        }
    }
}

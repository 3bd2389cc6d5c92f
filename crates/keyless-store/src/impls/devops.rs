//! Organizations, projects, service connections, pipelines and jobs.

use super::{cascade, found};
use crate::errors::db_err;
use crate::rows::{
    ConnectionRow, JobRow, OrganizationRow, PipelineRow, ProjectRow, all, id, json, key, one,
    opt_id,
};
use crate::{DevopsStore, StoreResult};
use async_trait::async_trait;
use keyless_model::devops::{Job, Organization, Pipeline, Project, ServiceConnection};
use keyless_model::{UnixTime, Uuid};

macro_rules! projects {
    ($rest:literal) => {
        concat!(
            "SELECT id, organization_id, name, description, created_at FROM projects ",
            $rest
        )
    };
}

macro_rules! connections {
    ($rest:literal) => {
        concat!(
            "SELECT id, organization_id, project_id, name, endpoint_type, scheme, tenant_id, \
             client_id, issuer_generation, creation_mode, state, status_message, description, data, \
             created_by, created_at FROM service_connections ",
            $rest
        )
    };
}

macro_rules! pipelines {
    ($rest:literal) => {
        concat!(
            "SELECT id, project_id, name, connections, created_at FROM pipelines ",
            $rest
        )
    };
}

macro_rules! jobs {
    ($rest:literal) => {
        concat!(
            "SELECT id, plan_id, pipeline_id, project_id, token_hash, created_at, expires_at, \
             finished_at FROM jobs ",
            $rest
        )
    };
}

for_each_backend! {
    #[async_trait]
    impl DevopsStore for Backend {
        async fn create_organization(&self, o: &Organization) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO organizations (id, name, name_key, tenant_id, cloud, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id(o.id))
            .bind(&o.name)
            .bind(key(&o.name))
            .bind(opt_id(o.tenant_id))
            .bind(o.cloud.as_str())
            .bind(o.created_at)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn get_organization(&self, org: Uuid) -> StoreResult<Organization> {
            one(sqlx::query_as::<_, OrganizationRow>(
                "SELECT id, name, tenant_id, cloud, created_at FROM organizations WHERE id = $1",
            )
            .bind(id(org))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db_err)?)
        }

        async fn find_organization(&self, name: &str) -> StoreResult<Organization> {
            one(sqlx::query_as::<_, OrganizationRow>(
                "SELECT id, name, tenant_id, cloud, created_at FROM organizations WHERE name_key = $1",
            )
            .bind(key(name))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db_err)?)
        }

        async fn list_organizations(&self) -> StoreResult<Vec<Organization>> {
            all(sqlx::query_as::<_, OrganizationRow>(
                "SELECT id, name, tenant_id, cloud, created_at FROM organizations ORDER BY name_key",
            )
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)?)
        }

        async fn create_project(&self, p: &Project) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO projects (id, organization_id, name, name_key, description, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id(p.id))
            .bind(id(p.organization_id))
            .bind(&p.name)
            .bind(key(&p.name))
            .bind(&p.description)
            .bind(p.created_at)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn get_project(&self, project: Uuid) -> StoreResult<Project> {
            one(sqlx::query_as::<_, ProjectRow>(projects!("WHERE id = $1"))
                .bind(id(project))
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(db_err)?)
        }

        async fn find_project(&self, organization_id: Uuid, name: &str) -> StoreResult<Project> {
            one(sqlx::query_as::<_, ProjectRow>(projects!(
                "WHERE organization_id = $1 AND name_key = $2"
            ))
            .bind(id(organization_id))
            .bind(key(name))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db_err)?)
        }

        async fn list_projects(&self, organization_id: Uuid) -> StoreResult<Vec<Project>> {
            all(sqlx::query_as::<_, ProjectRow>(projects!(
                "WHERE organization_id = $1 ORDER BY name_key"
            ))
            .bind(id(organization_id))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)?)
        }

        async fn rename_organization(&self, org: Uuid, name: &str) -> StoreResult<()> {
            found(
                sqlx::query("UPDATE organizations SET name = $2, name_key = $3 WHERE id = $1")
                    .bind(id(org))
                    .bind(name)
                    .bind(key(name))
                    .execute(&mut *self.conn().await?)
                    .await
                    .map_err(db_err)?
                    .rows_affected(),
            )
        }

        async fn rename_project(&self, project: Uuid, name: &str) -> StoreResult<()> {
            found(
                sqlx::query("UPDATE projects SET name = $2, name_key = $3 WHERE id = $1")
                    .bind(id(project))
                    .bind(name)
                    .bind(key(name))
                    .execute(&mut *self.conn().await?)
                    .await
                    .map_err(db_err)?
                    .rows_affected(),
            )
        }

        async fn create_connection(&self, c: &ServiceConnection) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO service_connections (id, organization_id, project_id, name, name_key, \
                 endpoint_type, scheme, tenant_id, client_id, issuer_generation, creation_mode, \
                 state, description, data, created_by, created_at, status_message) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            )
            .bind(id(c.id))
            .bind(id(c.organization_id))
            .bind(id(c.project_id))
            .bind(&c.name)
            .bind(key(&c.name))
            .bind(c.endpoint_type.as_str())
            .bind(c.scheme.as_str())
            .bind(id(c.tenant_id))
            .bind(id(c.client_id))
            .bind(c.issuer_generation.as_str())
            .bind(c.creation_mode.as_str())
            .bind(c.state.as_str())
            .bind(&c.description)
            .bind(json(&c.data)?)
            .bind(opt_id(c.created_by))
            .bind(c.created_at)
            .bind(&c.status_message)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn get_connection(&self, connection: Uuid) -> StoreResult<ServiceConnection> {
            one(
                sqlx::query_as::<_, ConnectionRow>(connections!("WHERE id = $1"))
                    .bind(id(connection))
                    .fetch_optional(&mut *self.conn().await?)
                    .await
                    .map_err(db_err)?,
            )
        }

        async fn find_connection(
            &self,
            project_id: Uuid,
            name: &str,
        ) -> StoreResult<ServiceConnection> {
            one(sqlx::query_as::<_, ConnectionRow>(connections!(
                "WHERE project_id = $1 AND name_key = $2"
            ))
            .bind(id(project_id))
            .bind(key(name))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db_err)?)
        }

        async fn list_connections(&self, project_id: Uuid) -> StoreResult<Vec<ServiceConnection>> {
            all(sqlx::query_as::<_, ConnectionRow>(connections!(
                "WHERE project_id = $1 ORDER BY name_key"
            ))
            .bind(id(project_id))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)?)
        }

        /// Everything but the ids, the creator and the creation time may change.
        async fn update_connection(&self, c: &ServiceConnection) -> StoreResult<()> {
            found(
                sqlx::query(
                    "UPDATE service_connections SET name = $2, name_key = $3, endpoint_type = $4, \
                 scheme = $5, tenant_id = $6, client_id = $7, issuer_generation = $8, \
                 creation_mode = $9, state = $10, description = $11, data = $12, \
                 status_message = $13 WHERE id = $1",
                )
                .bind(id(c.id))
                .bind(&c.name)
                .bind(key(&c.name))
                .bind(c.endpoint_type.as_str())
                .bind(c.scheme.as_str())
                .bind(id(c.tenant_id))
                .bind(id(c.client_id))
                .bind(c.issuer_generation.as_str())
                .bind(c.creation_mode.as_str())
                .bind(c.state.as_str())
                .bind(&c.description)
                .bind(json(&c.data)?)
                .bind(&c.status_message)
                .execute(&mut *self.conn().await?)
                .await
                .map_err(db_err)?
                .rows_affected(),
            )
        }

        /// Takes the connection's roles, shares and pipeline permissions with it, in one
        /// transaction.
        async fn delete_connection(&self, connection: Uuid) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            for &table in cascade::CONNECTION {
                sqlx::query(table)
                    .bind(id(connection))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            found(
                sqlx::query(cascade::CONNECTION_ITSELF)
                    .bind(id(connection))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected(),
            )?;
            tx.commit().await.map_err(db_err)
        }

        async fn create_pipeline(&self, p: &Pipeline) -> StoreResult<i64> {
            sqlx::query_scalar(
                "INSERT INTO pipelines (project_id, name, name_key, connections, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(id(p.project_id))
            .bind(&p.name)
            .bind(key(&p.name))
            .bind(json(&p.connections)?)
            .bind(p.created_at)
            .fetch_one(&mut *self.conn().await?)
            .await
            .map_err(db_err)
        }

        async fn get_pipeline(&self, pipeline: i64) -> StoreResult<Pipeline> {
            one(
                sqlx::query_as::<_, PipelineRow>(pipelines!("WHERE id = $1"))
                    .bind(pipeline)
                    .fetch_optional(&mut *self.conn().await?)
                    .await
                    .map_err(db_err)?,
            )
        }

        async fn find_pipeline(&self, project_id: Uuid, name: &str) -> StoreResult<Pipeline> {
            one(sqlx::query_as::<_, PipelineRow>(pipelines!(
                "WHERE project_id = $1 AND name_key = $2"
            ))
            .bind(id(project_id))
            .bind(key(name))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db_err)?)
        }

        async fn list_pipelines(&self, project_id: Uuid) -> StoreResult<Vec<Pipeline>> {
            all(
                sqlx::query_as::<_, PipelineRow>(pipelines!("WHERE project_id = $1 ORDER BY id"))
                    .bind(id(project_id))
                    .fetch_all(&mut *self.conn().await?)
                    .await
                    .map_err(db_err)?,
            )
        }

        /// Updates the name and the connections (the project is fixed).
        async fn update_pipeline(&self, p: &Pipeline) -> StoreResult<()> {
            found(
                sqlx::query(
                    "UPDATE pipelines SET name = $2, name_key = $3, connections = $4 WHERE id = $1",
                )
                .bind(p.id)
                .bind(&p.name)
                .bind(key(&p.name))
                .bind(json(&p.connections)?)
                .execute(&mut *self.conn().await?)
                .await
                .map_err(db_err)?
                .rows_affected(),
            )
        }

        async fn create_job(&self, j: &Job) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO jobs (id, plan_id, pipeline_id, project_id, token_hash, created_at, \
                 expires_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id(j.id))
            .bind(id(j.plan_id))
            .bind(j.pipeline_id)
            .bind(id(j.project_id))
            .bind(&j.token_hash)
            .bind(j.created_at)
            .bind(j.expires_at)
            .bind(j.finished_at)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn get_job(&self, job: Uuid) -> StoreResult<Job> {
            one(sqlx::query_as::<_, JobRow>(jobs!("WHERE id = $1"))
                .bind(id(job))
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(db_err)?)
        }

        async fn find_job_by_token_hash(&self, token_hash: &str) -> StoreResult<Job> {
            one(sqlx::query_as::<_, JobRow>(jobs!("WHERE token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(db_err)?)
        }

        /// Finishing twice keeps the first time.
        async fn finish_job(&self, job: Uuid, at: UnixTime) -> StoreResult<()> {
            found(
                sqlx::query(
                    "UPDATE jobs SET finished_at = COALESCE(finished_at, $2) WHERE id = $1",
                )
                .bind(id(job))
                .bind(at)
                .execute(&mut *self.conn().await?)
                .await
                .map_err(db_err)?
                .rows_affected(),
            )
        }
    }
}

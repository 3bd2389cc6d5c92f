//! Agent pools and agents: one row each.

use super::found;
use crate::rows::{AgentPoolRow, AgentRow, IntoModel, id, key, opt_id};
use crate::{AgentStore, StoreError, StoreResult};
use async_trait::async_trait;
use keyless_model::devops::agents::{Agent, AgentPool};
use keyless_model::{UnixTime, Uuid};

select!($ pools =
    "SELECT id, organization_id, name, is_hosted, created_by, created_at FROM agent_pools ");

select!($ agents =
    "SELECT id, pool_id, name, vm_resource_id, secret_hash, sealed_secret, created_at \
     FROM agents ");

for_each_backend! {
    #[async_trait]
    impl AgentStore for Backend {
        async fn create_pool(&self, p: &AgentPool) -> StoreResult<i64> {
            fetch!(
                self,
                query_scalar,
                fetch_one,
                "INSERT INTO agent_pools (organization_id, name, name_key, is_hosted, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                id(p.organization_id),
                &p.name,
                key(&p.name),
                p.is_hosted,
                opt_id(p.created_by),
                p.created_at,
            )
        }

        async fn hosted_pool(
            &self,
            organization_id: Uuid,
            name: &str,
            at: UnixTime,
        ) -> StoreResult<AgentPool> {
            let hosted = fetch!(
                self,
                query_as::<_, AgentPoolRow>,
                fetch_optional,
                pools!("WHERE organization_id = $1 AND is_hosted ORDER BY id LIMIT 1"),
                id(organization_id),
            )?;
            if let Some(row) = hosted {
                return row.into_model();
            }
            execute!(
                self,
                "INSERT INTO agent_pools (organization_id, name, name_key, is_hosted, \
                 created_by, created_at) VALUES ($1, $2, $3, TRUE, NULL, $4) \
                 ON CONFLICT DO NOTHING",
                id(organization_id),
                name,
                key(name),
                at,
            );
            self.find_pool(organization_id, name).await
        }

        async fn get_pool(&self, pool: i64) -> StoreResult<AgentPool> {
            fetch_one!(self, AgentPoolRow, pools!("WHERE id = $1"), pool)
        }

        async fn find_pool(&self, organization_id: Uuid, name: &str) -> StoreResult<AgentPool> {
            fetch_one!(
                self,
                AgentPoolRow,
                pools!("WHERE organization_id = $1 AND name_key = $2"),
                id(organization_id),
                key(name),
            )
        }

        async fn list_pools(&self, organization_id: Uuid) -> StoreResult<Vec<AgentPool>> {
            fetch_all!(
                self,
                AgentPoolRow,
                pools!("WHERE organization_id = $1 ORDER BY id"),
                id(organization_id),
            )
        }

        async fn delete_pool(&self, pool: i64) -> StoreResult<()> {
            execute!(self, "DELETE FROM agents WHERE pool_id = $1", pool);
            found(execute!(self, "DELETE FROM agent_pools WHERE id = $1", pool))
        }

        async fn create_agent(&self, a: &Agent) -> StoreResult<i64> {
            // Nothing is inserted, and no id returned, when the pool does not exist.
            let inserted: Option<i64> = fetch!(
                self,
                query_scalar,
                fetch_optional,
                "INSERT INTO agents (pool_id, name, name_key, vm_resource_id, secret_hash, \
                 sealed_secret, created_at) SELECT $1, $2, $3, $4, $5, $6, $7 \
                 WHERE EXISTS (SELECT 1 FROM agent_pools WHERE id = $1) RETURNING id",
                a.pool_id,
                &a.name,
                key(&a.name),
                &a.vm_resource_id,
                &a.secret_hash,
                &a.sealed_secret,
                a.created_at,
            )?;
            inserted.ok_or(StoreError::NotFound)
        }

        async fn get_agent(&self, agent: i64) -> StoreResult<Agent> {
            fetch_one!(self, AgentRow, agents!("WHERE id = $1"), agent)
        }

        async fn list_agents(&self, pool_id: i64) -> StoreResult<Vec<Agent>> {
            fetch_all!(self, AgentRow, agents!("WHERE pool_id = $1 ORDER BY id"), pool_id)
        }

        async fn find_agent_by_secret_hash(&self, secret_hash: &str) -> StoreResult<Agent> {
            fetch_one!(self, AgentRow, agents!("WHERE secret_hash = $1"), secret_hash)
        }

        async fn delete_agent(&self, agent: i64) -> StoreResult<()> {
            found(execute!(self, "DELETE FROM agents WHERE id = $1", agent))
        }

        async fn reseal_agent_secret(&self, agent: i64, sealed_secret: &str) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE agents SET sealed_secret = $2 WHERE id = $1",
                agent,
                sealed_secret,
            ))
        }
    }
}

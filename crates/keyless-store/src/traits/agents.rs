//! Agent pools and agents (`keyless_model::devops::agents`).

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::devops::agents::{Agent, AgentPool};
use keyless_model::{UnixTime, Uuid};

#[async_trait]
pub trait AgentStore {
    /// Stores a new pool (its `id` is ignored) and returns its id; `conflict::POOL_NAME`
    /// when the organization has a pool of that name (any case).
    async fn create_pool(&self, p: &AgentPool) -> StoreResult<i64>;
    /// The organization's Microsoft-hosted pool, created (named `name`) if it has none yet.
    async fn hosted_pool(
        &self,
        organization_id: Uuid,
        name: &str,
        at: UnixTime,
    ) -> StoreResult<AgentPool>;
    async fn get_pool(&self, id: i64) -> StoreResult<AgentPool>;
    /// Case-insensitive name.
    async fn find_pool(&self, organization_id: Uuid, name: &str) -> StoreResult<AgentPool>;
    /// By id.
    async fn list_pools(&self, organization_id: Uuid) -> StoreResult<Vec<AgentPool>>;
    /// Deletes the pool and its agents.
    async fn delete_pool(&self, id: i64) -> StoreResult<()>;

    /// Stores a new agent (its `id` is ignored) and returns its id; `conflict::AGENT_NAME`
    /// when the pool has an agent of that name (any case), `NotFound` without the pool.
    async fn create_agent(&self, a: &Agent) -> StoreResult<i64>;
    async fn get_agent(&self, id: i64) -> StoreResult<Agent>;
    /// By id.
    async fn list_agents(&self, pool_id: i64) -> StoreResult<Vec<Agent>>;
    async fn find_agent_by_secret_hash(&self, secret_hash: &str) -> StoreResult<Agent>;
    async fn delete_agent(&self, id: i64) -> StoreResult<()>;
    /// Replaces only the agent's sealed secret (a key-encryption key rotation); `NotFound`
    /// without the agent.
    async fn reseal_agent_secret(&self, id: i64, sealed_secret: &str) -> StoreResult<()>;
}

//! Who may use and manage service connections: explicit project group memberships,
//! per-connection roles, sharing with other projects, and pipeline permissions. The rules
//! that combine them live in `keyless_model::devops::security`.

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::devops::PipelinePermissions;
use keyless_model::{UnixTime, Uuid};

#[async_trait]
pub trait ConnectionSecurityStore {
    /// Idempotent. `NotFound` when the project or the user does not exist.
    async fn add_project_member(
        &self,
        project_id: Uuid,
        user_id: Uuid,
        group: &str,
    ) -> StoreResult<()>;
    /// `NotFound` when the user is not in that group.
    async fn remove_project_member(
        &self,
        project_id: Uuid,
        user_id: Uuid,
        group: &str,
    ) -> StoreResult<()>;
    /// The user's explicit groups in the project, by name.
    async fn list_project_groups(
        &self,
        project_id: Uuid,
        user_id: Uuid,
    ) -> StoreResult<Vec<String>>;
    /// Every explicit membership of the project: (user, group), by user then group.
    async fn list_project_members(&self, project_id: Uuid) -> StoreResult<Vec<(Uuid, String)>>;

    /// Creates or replaces the user's role on the connection. `NotFound` when either is missing.
    async fn set_connection_role(
        &self,
        connection_id: Uuid,
        user_id: Uuid,
        role: &str,
    ) -> StoreResult<()>;
    /// `NotFound` when the user has no role on the connection.
    async fn remove_connection_role(&self, connection_id: Uuid, user_id: Uuid) -> StoreResult<()>;
    async fn get_connection_role(
        &self,
        connection_id: Uuid,
        user_id: Uuid,
    ) -> StoreResult<Option<String>>;
    /// (user, role), by user.
    async fn list_connection_roles(&self, connection_id: Uuid) -> StoreResult<Vec<(Uuid, String)>>;

    /// Idempotent. `NotFound` when the connection or the project does not exist.
    async fn share_connection(&self, connection_id: Uuid, project_id: Uuid) -> StoreResult<()>;
    /// `NotFound` when it was not shared with the project.
    async fn unshare_connection(&self, connection_id: Uuid, project_id: Uuid) -> StoreResult<()>;
    /// The projects the connection is shared with (besides its own), by id.
    async fn list_connection_shares(&self, connection_id: Uuid) -> StoreResult<Vec<Uuid>>;
    /// The connections of other projects shared with this one, by id.
    async fn list_connections_shared_with(&self, project_id: Uuid) -> StoreResult<Vec<Uuid>>;
    /// Every share of the connections the project sees (its own and those shared with it),
    /// in one query: (connection, project it is shared with), by connection then project.
    async fn list_shares_seen_from(&self, project_id: Uuid) -> StoreResult<Vec<(Uuid, Uuid)>>;
    /// The user's roles on the connections the project sees (its own and those shared with
    /// it), in one query: (connection, role), by connection.
    async fn list_connection_roles_seen_from(
        &self,
        project_id: Uuid,
        user_id: Uuid,
    ) -> StoreResult<Vec<(Uuid, String)>>;

    /// The default (every pipeline) when nothing was set; pipelines by id.
    async fn get_pipeline_permissions(
        &self,
        connection_id: Uuid,
    ) -> StoreResult<PipelinePermissions>;
    async fn set_all_pipelines(
        &self,
        connection_id: Uuid,
        all: bool,
        by: Option<Uuid>,
        at: UnixTime,
    ) -> StoreResult<()>;
    /// Idempotent (keeps the first authorization). `NotFound` when either is missing.
    async fn authorize_pipeline(
        &self,
        connection_id: Uuid,
        pipeline_id: i64,
        by: Option<Uuid>,
        at: UnixTime,
    ) -> StoreResult<()>;
    /// Idempotent.
    async fn revoke_pipeline(&self, connection_id: Uuid, pipeline_id: i64) -> StoreResult<()>;
}

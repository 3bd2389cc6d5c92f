//! Application owners: adding and removing them, and filling `Application::owners` on reads.

use super::found;
use crate::errors::db_err;
use crate::rows::id;
use crate::{ApplicationOwnerStore, StoreError, StoreResult};
use async_trait::async_trait;
use keyless_model::directory::Application;
use keyless_model::{UnixTime, Uuid};
use std::collections::HashMap;

for_each_backend! {
    impl Backend {
        /// Fills in the owners of `apps` (one query), in the order they were added.
        pub(crate) async fn with_owners(
            &self,
            mut apps: Vec<Application>,
        ) -> StoreResult<Vec<Application>> {
            if apps.is_empty() {
                return Ok(apps);
            }
            let ids: Vec<String> = apps.iter().map(|a| id(a.id)).collect();
            let mut by_app: HashMap<String, Vec<Uuid>> = HashMap::new();
            // Chunks keep each query well under the backends' bound-parameter limits.
            for chunk in ids.chunks(500) {
                let placeholders: Vec<String> =
                    (1..=chunk.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT application_id, owner_id FROM application_owners \
                     WHERE application_id IN ({}) ORDER BY added_at, owner_id",
                    placeholders.join(", ")
                );
                let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
                for i in chunk {
                    q = q.bind(i);
                }
                for (app, owner) in q.fetch_all(&mut *self.conn().await?).await.map_err(db_err)? {
                    let owner = Uuid::parse_str(&owner).map_err(|_| {
                        StoreError::Backend(format!(
                            "application_owners.owner_id is not a GUID: {owner}"
                        ))
                    })?;
                    by_app.entry(app).or_default().push(owner);
                }
            }
            for (a, key) in apps.iter_mut().zip(ids) {
                a.owners = by_app.remove(&key).unwrap_or_default();
            }
            Ok(apps)
        }

        pub(crate) async fn with_owners_one(&self, app: Application) -> StoreResult<Application> {
            self.with_owners(vec![app])
                .await?
                .pop()
                .ok_or(StoreError::NotFound)
        }
    }

    #[async_trait]
    impl ApplicationOwnerStore for Backend {
        async fn add_application_owner(
            &self,
            app: Uuid,
            owner: Uuid,
            added_at: UnixTime,
        ) -> StoreResult<()> {
            let exists: Option<String> =
                fetch!(
                    self,
                    query_scalar,
                    fetch_optional,
                    "SELECT id FROM applications WHERE id = $1",
                    id(app),
                )?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            execute!(
                self,
                "INSERT INTO application_owners (application_id, owner_id, added_at) \
                 VALUES ($1, $2, $3)",
                id(app),
                id(owner),
                added_at,
            );
            Ok(())
        }

        async fn remove_application_owner(&self, app: Uuid, owner: Uuid) -> StoreResult<()> {
            found(execute!(
                self,
                "DELETE FROM application_owners WHERE application_id = $1 AND owner_id = $2",
                id(app),
                id(owner),
            ))
        }
    }
}

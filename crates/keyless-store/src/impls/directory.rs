//! Tenants, users, app registrations and service principals.

use super::{cascade, found};
use crate::errors::db_err;
use crate::rows::{ApplicationRow, ServicePrincipalRow, TenantRow, UserRow, id, json, key, opt_id};
use crate::{DirectoryStore, StoreResult};
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::directory::{Application, ServicePrincipal, Tenant, TenantSettings, User};

select!($ tenants =
    "SELECT id, name, domain, display_name, cloud, settings, created_at FROM tenants ");

select!($ users =
    "SELECT id, tenant_id, user_principal_name, display_name, user_type, is_admin, \
     created_at FROM users ");

select!($ applications =
    "SELECT id, app_id, tenant_id, display_name, sign_in_audience, enabled, created_by, \
     created_at, identifier_uris, api FROM applications ");

select!($ service_principals =
    "SELECT id, app_id, tenant_id, display_name, account_enabled, service_principal_type, \
     alternative_names, created_at FROM service_principals ");

for_each_backend! {
    #[async_trait]
    impl DirectoryStore for Backend {
        async fn create_tenant(&self, t: &Tenant) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO tenants (id, name, name_key, domain, domain_key, display_name, cloud, \
                 settings, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                id(t.id),
                &t.name,
                key(&t.name),
                &t.domain,
                key(&t.domain),
                &t.display_name,
                t.cloud.as_str(),
                json(&t.settings)?,
                t.created_at,
            );
            Ok(())
        }

        async fn get_tenant(&self, tenant_id: Uuid) -> StoreResult<Tenant> {
            fetch_one!(self, TenantRow, tenants!("WHERE id = $1"), id(tenant_id))
        }

        async fn find_tenant(&self, name_or_domain: &str) -> StoreResult<Tenant> {
            fetch_one!(
                self,
                TenantRow,
                tenants!("WHERE name_key = $1 OR domain_key = $1 ORDER BY created_at, id LIMIT 1"),
                key(name_or_domain),
            )
        }

        async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
            fetch_all!(self, TenantRow, tenants!("ORDER BY name_key"))
        }

        async fn update_tenant_settings(
            &self,
            tenant_id: Uuid,
            s: &TenantSettings,
        ) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE tenants SET settings = $2 WHERE id = $1",
                id(tenant_id),
                json(s)?,
            ))
        }

        async fn create_user(&self, u: &User) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO users (id, tenant_id, user_principal_name, upn_key, display_name, \
                 user_type, is_admin, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                id(u.id),
                id(u.tenant_id),
                &u.user_principal_name,
                key(&u.user_principal_name),
                &u.display_name,
                u.user_type.as_str(),
                u.is_admin,
                u.created_at,
            );
            Ok(())
        }

        async fn get_user(&self, user_id: Uuid) -> StoreResult<User> {
            fetch_one!(self, UserRow, users!("WHERE id = $1"), id(user_id))
        }

        async fn find_user_by_upn(&self, upn: &str) -> StoreResult<User> {
            fetch_one!(self, UserRow, users!("WHERE upn_key = $1"), key(upn))
        }

        async fn list_users(&self, tenant_id: Uuid) -> StoreResult<Vec<User>> {
            fetch_all!(
                self,
                UserRow,
                users!("WHERE tenant_id = $1 ORDER BY upn_key"),
                id(tenant_id),
            )
        }

        async fn update_user_display_name(&self, user: Uuid, name: &str) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE users SET display_name = $2 WHERE id = $1",
                id(user),
                name,
            ))
        }

        async fn delete_user(&self, user: Uuid) -> StoreResult<()> {
            cascade_delete!(
                self,
                cascade::USER,
                cascade::USER_ITSELF,
                id(user),
                refuse: [(crate::conflict::USER_OWNS_ORGANIZATION, cascade::USER_OWNS)],
            )
        }

        async fn update_tenant_display_name(&self, tenant: Uuid, name: &str) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE tenants SET display_name = $2 WHERE id = $1",
                id(tenant),
                name,
            ))
        }

        async fn delete_tenant(&self, tenant: Uuid) -> StoreResult<()> {
            cascade_delete!(
                self,
                cascade::TENANT_PRINCIPALS
                    .iter()
                    .chain(cascade::TENANT_USERS)
                    .chain(cascade::TENANT),
                cascade::TENANT_ITSELF,
                id(tenant),
                refuse: [(crate::conflict::TENANT_IN_USE, cascade::TENANT_IN_USE)],
            )
        }

        async fn create_application(&self, a: &Application) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            execute!(
                in tx,
                "INSERT INTO applications (id, app_id, tenant_id, display_name, name_key, \
                 sign_in_audience, enabled, created_by, created_at, identifier_uris, api) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                id(a.id),
                id(a.app_id),
                id(a.tenant_id),
                &a.display_name,
                key(&a.display_name),
                &a.sign_in_audience,
                a.enabled,
                opt_id(a.created_by),
                a.created_at,
                json(&a.identifier_uris)?,
                json(&a.api)?,
            );
            for owner in &a.owners {
                execute!(
                    in tx,
                    "INSERT INTO application_owners (application_id, owner_id, added_at) \
                     VALUES ($1, $2, $3)",
                    id(a.id),
                    id(*owner),
                    a.created_at,
                );
            }
            tx.commit().await.map_err(db_err)
        }

        async fn get_application(&self, app: Uuid) -> StoreResult<Application> {
            let rows = fetch_one!(self, ApplicationRow, applications!("WHERE id = $1"), id(app))?;
            self.with_owners_one(rows).await
        }

        async fn find_application_by_app_id(&self, app_id: Uuid) -> StoreResult<Application> {
            let rows = fetch_one!(
                self,
                ApplicationRow,
                applications!("WHERE app_id = $1"),
                id(app_id),
            )?;
            self.with_owners_one(rows).await
        }

        /// Display names are not unique: the oldest match wins.
        async fn find_application_by_name(
            &self,
            tenant_id: Uuid,
            name: &str,
        ) -> StoreResult<Application> {
            let rows = fetch_one!(
                self,
                ApplicationRow,
                applications!(
                    "WHERE tenant_id = $1 AND name_key = $2 ORDER BY created_at, id LIMIT 1"
                ),
                id(tenant_id),
                key(name),
            )?;
            self.with_owners_one(rows).await
        }

        async fn list_applications(&self, tenant_id: Uuid) -> StoreResult<Vec<Application>> {
            let rows = fetch_all!(
                self,
                ApplicationRow,
                applications!("WHERE tenant_id = $1 ORDER BY name_key, created_at, id"),
                id(tenant_id),
            )?;
            self.with_owners(rows).await
        }

        /// Updates display name, sign-in audience, enabled, identifier URIs and `api` (ids,
        /// creator and owners are not changed here).
        async fn update_application(&self, a: &Application) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE applications SET display_name = $2, name_key = $3, sign_in_audience = $4, \
                 enabled = $5, identifier_uris = $6, api = $7 WHERE id = $1",
                id(a.id),
                &a.display_name,
                key(&a.display_name),
                &a.sign_in_audience,
                a.enabled,
                json(&a.identifier_uris)?,
                json(&a.api)?,
            ))
        }

        async fn delete_application(&self, app: Uuid) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            let app_id: String =
                fetch!(
                    in tx,
                    query_scalar,
                    fetch_optional,
                    "SELECT app_id FROM applications WHERE id = $1",
                    id(app),
                )?
                    .ok_or(crate::StoreError::NotFound)?;
            for &sql in cascade::APPLICATION_BY_APP_ID {
                execute!(in tx, sql, &app_id);
            }
            for &sql in cascade::APPLICATION_BY_OBJECT_ID {
                execute!(in tx, sql, id(app));
            }
            tx.commit().await.map_err(db_err)
        }

        async fn create_service_principal(&self, sp: &ServicePrincipal) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO service_principals (id, app_id, tenant_id, display_name, \
                 account_enabled, service_principal_type, alternative_names, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                id(sp.id),
                id(sp.app_id),
                id(sp.tenant_id),
                &sp.display_name,
                sp.account_enabled,
                &sp.service_principal_type,
                json(&sp.alternative_names)?,
                sp.created_at,
            );
            Ok(())
        }

        async fn get_service_principal(&self, sp: Uuid) -> StoreResult<ServicePrincipal> {
            fetch_one!(self, ServicePrincipalRow, service_principals!("WHERE id = $1"), id(sp))
        }

        async fn find_service_principal(
            &self,
            tenant_id: Uuid,
            app_id: Uuid,
        ) -> StoreResult<ServicePrincipal> {
            fetch_one!(
                self,
                ServicePrincipalRow,
                service_principals!("WHERE tenant_id = $1 AND app_id = $2"),
                id(tenant_id),
                id(app_id),
            )
        }

        async fn list_service_principals(
            &self,
            tenant_id: Uuid,
        ) -> StoreResult<Vec<ServicePrincipal>> {
            fetch_all!(
                self,
                ServicePrincipalRow,
                service_principals!("WHERE tenant_id = $1 ORDER BY display_name, created_at, id"),
                id(tenant_id),
            )
        }

        /// Updates display name, enabled, type and alternative names (ids are fixed).
        async fn update_service_principal(&self, sp: &ServicePrincipal) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE service_principals SET display_name = $2, account_enabled = $3, \
                 service_principal_type = $4, alternative_names = $5 WHERE id = $1",
                id(sp.id),
                &sp.display_name,
                sp.account_enabled,
                &sp.service_principal_type,
                json(&sp.alternative_names)?,
            ))
        }

        /// Also deletes the federated credentials parented by the principal (a managed
        /// identity's), which could never be used again.
        async fn delete_service_principal(&self, sp: Uuid) -> StoreResult<()> {
            cascade_delete!(
                self,
                cascade::SERVICE_PRINCIPAL,
                cascade::SERVICE_PRINCIPAL_ITSELF,
                id(sp),
            )
        }
    }
}

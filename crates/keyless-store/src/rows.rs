//! Rows as the database returns them, and their conversion into model entities: the one
//! place per entity where text becomes ids, enums and JSON. A value that does not parse is
//! a corrupt row and becomes [`StoreError::Backend`] naming the column, never a panic.
//!
//! The row structs derive `sqlx::FromRow` generically, so both drivers decode them; the
//! `SELECT` column lists in `impls/` must match the field names.

use crate::{StoreError, StoreResult};
use keyless_model::directory::{Application, Cloud, ServicePrincipal, Tenant, User, UserType};
use keyless_model::keys::SigningKeyRecord;
use keyless_model::{UnixTime, Uuid};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Declares row structs and their conversion into model entities. A field is copied as it
/// is, or converted `as uuid`, `as opt_uuid` or `as json`, a value that does not parse naming
/// the column `table.field`.
macro_rules! rows {
    ($(
        $(#[$meta:meta])*
        $row:ident => $model:ident in $table:literal {
            $($field:ident: $ty:ty $(as $conv:ident)?),* $(,)?
        }
    )*) => {$(
        $(#[$meta])*
        #[derive(sqlx::FromRow)]
        pub(crate) struct $row {
            $($field: $ty,)*
        }

        impl $crate::rows::IntoModel for $row {
            type Model = $model;
            fn into_model(self) -> $crate::StoreResult<$model> {
                Ok($model {
                    $($field: rows!(@field self, $table, $field $(, $conv)?),)*
                })
            }
        }
    )*};
    (@field $row:ident, $table:literal, $field:ident) => {
        $row.$field
    };
    (@field $row:ident, $table:literal, $field:ident, uuid) => {
        $crate::rows::uuid(concat!($table, ".", stringify!($field)), &$row.$field)?
    };
    (@field $row:ident, $table:literal, $field:ident, opt_uuid) => {
        $crate::rows::opt_uuid(concat!($table, ".", stringify!($field)), $row.$field)?
    };
    (@field $row:ident, $table:literal, $field:ident, json) => {
        $crate::rows::from_json(concat!($table, ".", stringify!($field)), &$row.$field)?
    };
}

mod arm;
mod audit;
mod credentials;
mod devops;
mod identities;
mod management;
mod resources;
mod roles;
pub(crate) use arm::*;
pub(crate) use audit::*;
pub(crate) use credentials::*;
pub(crate) use devops::*;
pub(crate) use identities::*;
pub(crate) use management::*;
pub(crate) use resources::*;
pub(crate) use roles::*;

/// A decoded row that becomes a model entity.
pub(crate) trait IntoModel {
    type Model;
    fn into_model(self) -> StoreResult<Self::Model>;
}

/// The entity of a lookup that must find one row.
pub(crate) fn one<R: IntoModel>(row: Option<R>) -> StoreResult<R::Model> {
    row.ok_or(StoreError::NotFound)?.into_model()
}

pub(crate) fn all<R: IntoModel>(rows: Vec<R>) -> StoreResult<Vec<R::Model>> {
    rows.into_iter().map(IntoModel::into_model).collect()
}

/// How ids are stored: lowercase, hyphenated.
pub(crate) fn id(u: Uuid) -> String {
    u.hyphenated().to_string()
}

pub(crate) fn opt_id(u: Option<Uuid>) -> Option<String> {
    u.map(id)
}

/// How JSON documents are stored.
pub(crate) fn json<T: Serialize + ?Sized>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("cannot encode JSON: {e}")))
}

/// The key that case-insensitive names are compared and made unique by.
pub(crate) fn key(name: &str) -> String {
    name.to_lowercase()
}

pub(crate) fn corrupt(column: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("corrupt row: column {column}: {what}"))
}

fn uuid(column: &str, s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|e| corrupt(column, format_args!("{s:?} is not a UUID ({e})")))
}

fn opt_uuid(column: &str, s: Option<String>) -> StoreResult<Option<Uuid>> {
    s.map(|s| uuid(column, &s)).transpose()
}

fn from_json<T: DeserializeOwned>(column: &str, s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| corrupt(column, format_args!("invalid JSON ({e})")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct TenantRow {
    id: String,
    name: String,
    domain: String,
    display_name: String,
    cloud: String,
    settings: String,
    created_at: UnixTime,
}

impl IntoModel for TenantRow {
    type Model = Tenant;
    fn into_model(self) -> StoreResult<Tenant> {
        Ok(Tenant {
            id: uuid("tenants.id", &self.id)?,
            cloud: Cloud::parse(&self.cloud)
                .ok_or_else(|| corrupt("tenants.cloud", format_args!("{:?}", self.cloud)))?,
            settings: from_json("tenants.settings", &self.settings)?,
            name: self.name,
            domain: self.domain,
            display_name: self.display_name,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: String,
    tenant_id: String,
    user_principal_name: String,
    display_name: String,
    user_type: String,
    is_admin: bool,
    created_at: UnixTime,
}

impl IntoModel for UserRow {
    type Model = User;
    fn into_model(self) -> StoreResult<User> {
        Ok(User {
            id: uuid("users.id", &self.id)?,
            tenant_id: uuid("users.tenant_id", &self.tenant_id)?,
            user_principal_name: self.user_principal_name,
            display_name: self.display_name,
            user_type: UserType::parse(&self.user_type)
                .ok_or_else(|| corrupt("users.user_type", format_args!("{:?}", self.user_type)))?,
            is_admin: self.is_admin,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApplicationRow {
    id: String,
    app_id: String,
    tenant_id: String,
    display_name: String,
    sign_in_audience: String,
    enabled: bool,
    created_by: Option<String>,
    created_at: UnixTime,
    identifier_uris: String,
    api: String,
}

impl IntoModel for ApplicationRow {
    type Model = Application;
    fn into_model(self) -> StoreResult<Application> {
        Ok(Application {
            id: uuid("applications.id", &self.id)?,
            app_id: uuid("applications.app_id", &self.app_id)?,
            tenant_id: uuid("applications.tenant_id", &self.tenant_id)?,
            created_by: opt_uuid("applications.created_by", self.created_by)?,
            display_name: self.display_name,
            sign_in_audience: self.sign_in_audience,
            enabled: self.enabled,
            created_at: self.created_at,
            owners: Vec::new(),
            identifier_uris: from_json("applications.identifier_uris", &self.identifier_uris)?,
            api: from_json("applications.api", &self.api)?,
        })
    }
}

rows! {
    ServicePrincipalRow => ServicePrincipal in "service_principals" {
        id: String as uuid,
        app_id: String as uuid,
        tenant_id: String as uuid,
        display_name: String,
        account_enabled: bool,
        service_principal_type: String,
        alternative_names: String as json,
        created_at: UnixTime,
    }

    SigningKeyRow => SigningKeyRecord in "signing_keys" {
        kid: String,
        owner: String,
        alg: String,
        cert_der: Vec<u8>,
        sealed_private_key: Vec<u8>,
        created_at: UnixTime,
        not_before: UnixTime,
        retired_at: Option<UnixTime>,
    }
}

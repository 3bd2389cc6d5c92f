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
/// is, or converted `as uuid`, `as opt_uuid`, `as json`, `as parse(Enum)` (by `Enum::parse`),
/// `as parse_debug(Enum)` (the same, the bad value quoted in the error) or `as f` (the function
/// `f(column, &value)` in scope), a value that does not parse naming the column `table.field`.
/// `field from "column"` reads the field from a column of another name; attributes before a
/// field go to the row struct (`#[sqlx(skip)]`: not a column, the model gets the default).
macro_rules! rows {
    ($(
        $(#[$meta:meta])*
        $row:ident => $model:ident in $table:literal {
            $(
                $(#[$field_meta:meta])*
                $field:ident $(from $column:literal)?: $ty:ty $(as $conv:ident $(($enum:ty))?)?
            ),* $(,)?
        }
    )*) => {$(
        $(#[$meta])*
        #[derive(sqlx::FromRow)]
        pub(crate) struct $row {
            $(
                $(#[$field_meta])*
                $(#[sqlx(rename = $column)])?
                $field: $ty,
            )*
        }

        impl $crate::rows::IntoModel for $row {
            type Model = $model;
            fn into_model(self) -> $crate::StoreResult<$model> {
                Ok($model {
                    $($field: rows!(
                        @field self,
                        concat!($table, ".", rows!(@column $field $($column)?)),
                        $field
                        $(, $conv $(($enum))?)?
                    ),)*
                })
            }
        }
    )*};
    (@column $field:ident) => {
        stringify!($field)
    };
    (@column $field:ident $column:literal) => {
        $column
    };
    (@field $row:ident, $column:expr, $field:ident) => {
        $row.$field
    };
    (@field $row:ident, $column:expr, $field:ident, uuid) => {
        $crate::rows::uuid($column, &$row.$field)?
    };
    (@field $row:ident, $column:expr, $field:ident, opt_uuid) => {
        $crate::rows::opt_uuid($column, $row.$field)?
    };
    (@field $row:ident, $column:expr, $field:ident, json) => {
        $crate::rows::from_json($column, &$row.$field)?
    };
    (@field $row:ident, $column:expr, $field:ident, parse($enum:ty)) => {
        <$enum>::parse(&$row.$field).ok_or_else(|| $crate::rows::corrupt($column, &$row.$field))?
    };
    (@field $row:ident, $column:expr, $field:ident, parse_debug($enum:ty)) => {
        <$enum>::parse(&$row.$field)
            .ok_or_else(|| $crate::rows::corrupt($column, format_args!("{:?}", $row.$field)))?
    };
    (@field $row:ident, $column:expr, $field:ident, $conv:ident) => {
        $conv($column, &$row.$field)?
    };
}

mod arm;
mod audit;
mod console_sessions;
mod credentials;
mod devops;
mod identities;
mod management;
mod replicas;
mod resources;
mod roles;
pub(crate) use arm::*;
pub(crate) use audit::*;
pub(crate) use console_sessions::*;
pub(crate) use credentials::*;
pub(crate) use devops::*;
pub(crate) use identities::*;
pub(crate) use management::*;
pub(crate) use replicas::*;
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

rows! {
    TenantRow => Tenant in "tenants" {
        id: String as uuid,
        name: String,
        domain: String,
        display_name: String,
        cloud: String as parse_debug(Cloud),
        settings: String as json,
        created_at: UnixTime,
    }

    UserRow => User in "users" {
        id: String as uuid,
        tenant_id: String as uuid,
        user_principal_name: String,
        display_name: String,
        user_type: String as parse_debug(UserType),
        is_admin: bool,
        created_at: UnixTime,
    }

    ApplicationRow => Application in "applications" {
        id: String as uuid,
        app_id: String as uuid,
        tenant_id: String as uuid,
        display_name: String,
        sign_in_audience: String,
        enabled: bool,
        created_by: Option<String> as opt_uuid,
        created_at: UnixTime,
        identifier_uris: String as json,
        api: String as json,
        /// Not a column: the owners are read from their own table.
        #[sqlx(skip)]
        owners: Vec<Uuid>,
    }

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

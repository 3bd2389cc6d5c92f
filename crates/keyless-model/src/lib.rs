//! The domain of keyless: what exists in each plane and the rules that govern it.
//!
//! Organised by plane (`directory`, `arm`, `devops`) plus the cross-cutting pieces
//! (`federation` for issuer/subject rules, `rbac` for authorization, `catalogue` for
//! every error keyless can return). Nothing here knows about HTTP, SQL or the CLI.
#![forbid(unsafe_code)]

pub mod arm;
pub mod audit;
pub mod catalogue;
pub mod devops;
pub mod directory;
pub mod directory_roles;
pub mod doctor;
pub mod federation;
pub mod form;
pub mod keys;
pub mod membership;
pub mod pat_scopes;
pub mod rbac;
pub mod time_fmt;

#[cfg(test)]
mod testing;

pub use uuid::Uuid;

/// Seconds since the Unix epoch. Storage and tokens both speak whole seconds.
pub type UnixTime = i64;

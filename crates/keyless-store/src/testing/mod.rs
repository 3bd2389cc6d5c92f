//! Test support, behind the `testing` feature: a throwaway PostgreSQL server ([`pg`]).
//! Other crates' tests can use it too, with
//! `keyless-store = { workspace = true, features = ["testing"] }` in their dev-dependencies.

pub mod pg;

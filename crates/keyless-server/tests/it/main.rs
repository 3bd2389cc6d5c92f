//! The integration tests of the server, one binary: each module drives an in-process
//! `keyless serve --demo` (`common::TestServer`) as real clients do. Helpers: `common`
//! (the server and its clients), `support` (principals, members, ARM and Graph helpers),
//! `sc_support` (service connections, people, jobs), `doctor_support`.
#![allow(clippy::unwrap_used)]

mod common;
mod doctor_support;
mod sc_support;
mod support;

mod admin;
mod admin_devops;
mod agents;
mod arm;
mod arm_auth;
mod arm_input;
mod arm_management;
mod arm_rbac;
mod arm_resource_groups;
mod arm_resources;
mod arm_role_assignments;
mod at_rest;
mod attacks;
mod audit;
mod audit_changes;
mod authz;
mod azcli_shapes;
mod claims;
mod connections;
mod devops;
mod devops_cross_org;
mod devops_identities;
mod devops_locations;
mod directory_admin;
mod discovery;
mod doctor;
mod doctor_access;
mod edges;
mod federation;
mod fidelity;
mod flexible;
mod fuzz;
mod graph;
mod graph_access;
mod graph_fic;
mod graph_identifiers;
mod graph_owners;
mod graph_paging;
mod graph_roles;
mod graph_users;
mod identities;
mod job_lifecycle;
mod legacy_issuer;
mod malformed;
mod managed_identity;
mod multitenant;
mod org_identities;
mod org_people;
mod org_rename;
mod pat_scopes;
mod pipelines_yaml;
mod policy;
mod refusals;
mod replicas;
mod runs;
mod sc_automatic;
mod sc_custom_role;
mod sc_lifecycle;
mod sc_owners;
mod sc_security;
mod sdk_shapes;
mod vm_identity;
mod vm_identity_atomic;
mod world;
mod world_directory;
mod world_org;
mod world_sc;

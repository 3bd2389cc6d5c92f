//! One module per group of pages.

pub mod audit;
pub mod browse;
pub mod connection;
pub mod connection_actions;
pub mod connection_extras;
pub mod connection_links;
pub mod credential_form;
pub mod identities;
pub mod identity;
pub mod keys;
pub mod new_connection;
pub mod signin;
pub mod subscription;
pub mod subscription_forms;
pub mod subscriptions;
pub mod tenant_app;
pub mod tenant_directory;
pub mod tenant_settings;
pub mod tenants;

//! One module per group of pages.

pub mod audit;
pub mod browse;
pub mod connection;
pub mod new_connection;
pub mod signin;

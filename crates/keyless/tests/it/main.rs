//! The binary as a user runs it: `serve --demo` in a child process, and every client
//! command against it (`harness`).
#![allow(clippy::unwrap_used)]

mod harness;

mod at_rest;

mod cli;
mod cli_account;
mod cli_devops;
mod cli_doctor;
mod cli_lifecycle;
mod cli_output;
mod console_session;
mod crash;
mod exec;
mod lint;
mod run;

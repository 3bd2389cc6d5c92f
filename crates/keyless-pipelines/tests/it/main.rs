//! The integration tests of keyless-pipelines, one binary with a module per part.

mod compile;
mod fsloader;
mod fuzz;
mod model;
mod support;
mod template;
mod template_errors;

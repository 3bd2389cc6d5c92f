//! The integration tests of keyless-pipelines, one binary with a module per part.

mod compile;
mod fsloader;
mod fuzz;
mod lint_golden;
mod lint_templates;
mod model;
mod support;
mod template;
mod template_errors;

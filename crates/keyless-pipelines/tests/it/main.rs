//! The integration tests of keyless-pipelines, one binary with a module per part.

mod model;
mod support;

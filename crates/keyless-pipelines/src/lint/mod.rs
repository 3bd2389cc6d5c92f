//! The lint rules. Offline rules read only the pipeline: the tasks against the catalogue
//! (`tasks`: KL101–KL106), container resources (`resources`: KL201), connection names taken
//! from variables (`variables`: KL202) and connection types (`kinds`: KL203). Live rules
//! (`live`: KL301–KL305, and KL203 from a connection's real type) read facts about each
//! connection that the caller fetched from a server.

mod kinds;
mod live;
mod resources;
mod tasks;
mod variables;

pub use live::{ConnectionFacts, ConnectionState, LiveFacts};

use crate::Compiled;
use crate::diag::Diagnostic;
use crate::model::Pipeline;
use crate::refs::{self, ConnectionRef};

/// Every offline finding of a compiled pipeline.
pub fn offline(p: &Pipeline) -> Vec<Diagnostic> {
    offline_with(p, &refs::connection_refs(p))
}

fn offline_with(p: &Pipeline, refs: &[ConnectionRef]) -> Vec<Diagnostic> {
    let mut out = tasks::check(p);
    out.extend(resources::check(p));
    out.extend(variables::check(p, refs));
    out.extend(kinds::check(p, refs));
    out
}

/// Every finding of one pipeline file: those of compile-time processing, the offline rules
/// and, given facts from a server, the live rules; sorted by file, line, column and code.
pub fn run(compiled: &Compiled, live: Option<&LiveFacts>) -> Vec<Diagnostic> {
    let mut out = compiled.diagnostics.clone();
    if let Some(p) = &compiled.pipeline {
        let refs = refs::connection_refs(p);
        let mut found = offline_with(p, &refs);
        if let Some(facts) = live {
            found.retain(|d| !live::federation_irrelevant(d, &refs, facts));
            found.extend(live::check(&refs, facts));
        }
        out.extend(found);
    }
    sort(&mut out);
    out
}

/// Sorts findings by file, line, column, code and message, and drops exact duplicates.
pub fn sort(d: &mut Vec<Diagnostic>) {
    d.sort_by(|a, b| (&a.loc, a.code, &a.message).cmp(&(&b.loc, b.code, &b.message)));
    d.dedup();
}

/// The reference a finding at `d` is about, if any (same position as the connection name).
fn ref_at<'r>(d: &Diagnostic, refs: &'r [ConnectionRef]) -> Option<&'r ConnectionRef> {
    refs.iter().find(|r| r.name.loc == d.loc)
}

#[cfg(test)]
mod tests;

//! The document's root: the pipeline's own keys, and its stages, jobs or steps.

use super::common::{read_parameters, read_pool, read_resources, read_trigger, read_variables};
use super::jobs::{JobBuilder, check_stage_graph, read_jobs, read_stages};
use super::{Reader, key_of};
use crate::diag::{Code, Diagnostic};
use crate::model::{Job, JobKind, Pipeline, Resources, Stage};
use crate::yaml::{Node, Value};

/// Keys a pipeline with top-level `steps:` also has: those of its one job.
const STEPS_ONLY: &[&str] = &[
    "steps",
    "strategy",
    "continueOnError",
    "container",
    "services",
    "workspace",
];

pub(super) fn read_pipeline(r: &mut Reader, root: &Node) -> Option<Pipeline> {
    let Value::Map(pairs) = &root.value else {
        r.diags.push(Diagnostic::new(
            Code::NotAPipeline,
            root.loc.clone(),
            "The document is not a pipeline: it is not a mapping.",
        ));
        return None;
    };
    let body = ["stages", "jobs", "steps", "extends"]
        .into_iter()
        .find(|b| root.get(b).is_some());
    let Some(body) = body else {
        r.diags.push(
            Diagnostic::new(
                Code::NotAPipeline,
                root.loc.clone(),
                "The document is not a pipeline: it has none of stages, jobs, steps or extends.",
            )
            .with_fix("Add `steps:`, `jobs:` or `stages:`, or `extends:` with a template."),
        );
        return None;
    };
    let mut p = Pipeline {
        loc: root.loc.clone(),
        name: None,
        trigger: None,
        pr: None,
        pool: None,
        variables: Vec::new(),
        parameters: Vec::new(),
        resources: Resources::default(),
        stages: Vec::new(),
    };
    let mut bodies = 0;
    for (k, v) in pairs {
        let key = key_of(k);
        match key {
            "name" => p.name = r.text(v, "name"),
            "appendCommitMessageToRunName" => {
                r.boolean(v, key, true);
            }
            "trigger" => p.trigger = read_trigger(r, v, false),
            "pr" => p.pr = read_trigger(r, v, true),
            "schedules" => read_schedules(r, v),
            "parameters" => p.parameters = read_parameters(r, v),
            "resources" => p.resources = read_resources(r, v),
            "variables" => p.variables = read_variables(r, v),
            "lockBehavior" => r.one_of(v, "lockBehavior", &["sequential", "runLatest"]),
            "pool" => p.pool = read_pool(r, v),
            "stages" | "jobs" | "steps" | "extends" => {
                bodies += 1;
                if bodies > 1 {
                    r.unknown_key(k);
                }
            }
            _ if body == "steps" && STEPS_ONLY.contains(&key) => {}
            _ => r.unknown_key(k),
        }
    }
    match body {
        "stages" => {
            if let Some(v) = root.get("stages") {
                p.stages = read_stages(r, v);
            }
        }
        "jobs" => {
            if let Some((k, v)) = pairs.iter().find(|(k, _)| k.as_str() == Some("jobs")) {
                let jobs = read_jobs(r, v);
                p.stages.push(default_stage(k, jobs));
            }
        }
        "steps" => {
            if let Some((k, _)) = pairs.iter().find(|(k, _)| k.as_str() == Some("steps")) {
                let job = implicit_job(r, root, k);
                p.stages.push(default_stage(k, vec![job]));
            }
        }
        // An `extends:` left by compile-time processing (its template not available here):
        // the pipeline's stages are not known.
        _ => {}
    }
    check_stage_graph(r, &p.stages);
    Some(p)
}

fn default_stage(key: &Node, jobs: Vec<Job>) -> Stage {
    Stage {
        loc: key.loc.clone(),
        name: "__default".to_owned(),
        display_name: None,
        depends_on: None,
        condition: None,
        pool: None,
        variables: Vec::new(),
        jobs,
    }
}

/// The one job of a pipeline with top-level `steps:`, from the root's job keys.
fn implicit_job(r: &mut Reader, root: &Node, key: &Node) -> Job {
    let mut d = JobBuilder::new(key.loc.clone(), "Job".to_owned(), JobKind::Regular);
    for name in STEPS_ONLY {
        if let Some(v) = root.get(name) {
            d.field(r, name, v);
        }
    }
    d.finish()
}

fn read_schedules(r: &mut Reader, v: &Node) {
    let Some(items) = r.seq(v, "schedules") else {
        return;
    };
    for item in items {
        if let Some(pairs) = r.map(item, "a schedule") {
            r.only(
                pairs,
                &["cron", "displayName", "branches", "batch", "always"],
            );
        }
    }
}

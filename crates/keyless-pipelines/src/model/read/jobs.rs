//! Stages and jobs (regular and deployment).

use super::common::{read_pool, read_variables};
use super::steps::read_steps;
use super::{Reader, key_of, valid_name};
use crate::loc::Loc;
use crate::model::{Job, JobKind, Stage, Step};
use crate::yaml::{Node, Value};
use std::collections::HashSet;

/// Reads each item of the sequence `v` (the value of `key`) that is a mapping (`what`
/// names one in errors); `read` gets the item, its pairs and the namer of unnamed items.
fn read_items<T>(
    r: &mut Reader,
    v: &Node,
    key: &str,
    what: &str,
    base: &'static str,
    mut read: impl FnMut(&mut Reader, &Node, &[(Node, Node)], &mut Namer) -> Option<T>,
) -> Vec<T> {
    let Some(items) = r.seq(v, key) else {
        return Vec::new();
    };
    let mut names = Namer::new(base);
    let mut out = Vec::new();
    for item in items {
        if let Some(pairs) = r.map(item, what) {
            out.extend(read(r, item, pairs, &mut names));
        }
    }
    out
}

pub(super) fn read_stages(r: &mut Reader, v: &Node) -> Vec<Stage> {
    read_items(
        r,
        v,
        "stages",
        "a stage",
        "Stage",
        |r, item, pairs, names| {
            let Some(name_node) = item.get("stage") else {
                r.invalid(&item.loc, "A stage has no `stage:` key naming it.");
                return None;
            };
            let name = names.name(r, name_node);
            let mut s = Stage {
                loc: item.loc.clone(),
                name,
                display_name: None,
                depends_on: None,
                condition: None,
                pool: None,
                variables: Vec::new(),
                jobs: Vec::new(),
            };
            for (k, v) in pairs {
                match key_of(k) {
                    "stage" => {}
                    "displayName" => s.display_name = r.text(v, "displayName"),
                    "dependsOn" => s.depends_on = Some(r.texts(v, "dependsOn")),
                    "condition" => s.condition = r.text(v, "condition"),
                    "pool" => s.pool = read_pool(r, v),
                    "variables" => s.variables = read_variables(r, v),
                    "jobs" => s.jobs = read_jobs(r, v),
                    "group" | "templateContext" => {}
                    "isSkippable" => {
                        r.boolean(v, "isSkippable", true);
                    }
                    "lockBehavior" => r.one_of(v, "lockBehavior", &["sequential", "runLatest"]),
                    "trigger" => r.one_of(v, "a stage trigger", &["manual", "automatic"]),
                    "checks" => {
                        r.seq(v, "checks");
                    }
                    _ => r.unknown_key(k),
                }
            }
            Some(s)
        },
    )
}

/// Names, duplicates and `dependsOn` of the stages.
pub(super) fn check_stage_graph(r: &mut Reader, stages: &[Stage]) {
    let items: Vec<(&Loc, &str, Option<&Vec<String>>)> = stages
        .iter()
        .map(|s| (&s.loc, s.name.as_str(), s.depends_on.as_ref()))
        .collect();
    check_graph(r, "stage", &items);
}

fn check_graph(r: &mut Reader, what: &str, items: &[(&Loc, &str, Option<&Vec<String>>)]) {
    let mut seen = HashSet::new();
    for (loc, name, _) in items {
        if !valid_name(name) {
            r.invalid(
                loc,
                format!(
                    "The {what} name '{name}' is not valid: use only letters, digits and '_', and do not start with a digit."
                ),
            );
        }
        if !seen.insert(name.to_ascii_lowercase()) {
            r.invalid(
                loc,
                format!("The {what} name '{name}' is used more than once."),
            );
        }
    }
    for (loc, name, deps) in items {
        for dep in deps.iter().flat_map(|d| d.iter()) {
            if !seen.contains(&dep.to_ascii_lowercase()) && !super::is_runtime(dep) {
                r.invalid(
                    loc,
                    format!("The {what} '{name}' depends on '{dep}', which is not a {what} here."),
                );
            }
        }
    }
}

/// Gives unnamed stages or jobs their default names (`Job`, `Job1`, `Job2`…).
struct Namer {
    base: &'static str,
    unnamed: usize,
}

impl Namer {
    fn new(base: &'static str) -> Namer {
        Namer { base, unnamed: 0 }
    }

    fn name(&mut self, r: &mut Reader, node: &Node) -> String {
        let given = match &node.value {
            Value::Null => None,
            _ => r.text(node, "a name").filter(|s| !s.is_empty()),
        };
        given.unwrap_or_else(|| {
            let n = self.unnamed;
            self.unnamed += 1;
            if n == 0 {
                self.base.to_owned()
            } else {
                format!("{}{n}", self.base)
            }
        })
    }
}

pub(super) fn read_jobs(r: &mut Reader, v: &Node) -> Vec<Job> {
    let jobs = read_items(r, v, "jobs", "a job", "Job", |r, item, pairs, names| {
        let (kind_key, kind) = if let Some(n) = item.get("job") {
            (n, JobKind::Regular)
        } else if let Some(n) = item.get("deployment") {
            (n, JobKind::Deployment { environment: None })
        } else {
            r.invalid(&item.loc, "A job has neither `job:` nor `deployment:`.");
            return None;
        };
        let deployment = matches!(kind, JobKind::Deployment { .. });
        let name = names.name(r, kind_key);
        let mut b = JobBuilder::new(item.loc.clone(), name, kind);
        for (k, v) in pairs {
            let key = key_of(k);
            let known = match key {
                "job" => !deployment,
                "deployment" => deployment,
                "steps" if deployment => false,
                "environment" if deployment => {
                    b.environment(r, v);
                    true
                }
                _ => b.field(r, key, v),
            };
            if !known {
                r.unknown_key(k);
            }
        }
        Some(b.finish())
    });
    let items: Vec<(&Loc, &str, Option<&Vec<String>>)> = jobs
        .iter()
        .map(|j| (&j.loc, j.name.as_str(), j.depends_on.as_ref()))
        .collect();
    check_graph(r, "job", &items);
    jobs
}

/// A job being read: the keys regular, deployment and implicit jobs share.
pub(super) struct JobBuilder {
    job: Job,
}

impl JobBuilder {
    pub(super) fn new(loc: Loc, name: String, kind: JobKind) -> JobBuilder {
        JobBuilder {
            job: Job::new(loc, name, kind),
        }
    }

    /// Reads one key; `false` when jobs have no such key.
    pub(super) fn field(&mut self, r: &mut Reader, key: &str, v: &Node) -> bool {
        let j = &mut self.job;
        match key {
            "displayName" => j.display_name = r.text(v, "displayName"),
            "dependsOn" => j.depends_on = Some(r.texts(v, "dependsOn")),
            "condition" => j.condition = r.text(v, "condition"),
            "continueOnError" => j.continue_on_error = r.boolean(v, "continueOnError", false),
            "timeoutInMinutes" => j.timeout_in_minutes = r.number(v, "timeoutInMinutes"),
            "cancelTimeoutInMinutes" => {
                r.number(v, "cancelTimeoutInMinutes");
            }
            "variables" => j.variables = read_variables(r, v),
            "pool" => j.pool = read_pool(r, v),
            "container" => j.container = read_job_container(r, v),
            "steps" => j.steps = read_steps(r, v),
            "strategy" => {
                if matches!(j.kind, JobKind::Deployment { .. }) {
                    j.steps = read_deployment_strategy(r, v);
                } else {
                    read_job_strategy(r, v);
                }
            }
            "services" => {
                r.map(v, "services");
            }
            "workspace" => {
                if let Some(pairs) = r.map(v, "workspace") {
                    r.only(pairs, &["clean"]);
                }
            }
            "uses" => {
                if let Some(pairs) = r.map(v, "uses") {
                    r.only(pairs, &["repositories", "pools"]);
                }
            }
            "templateContext" => {}
            _ => return false,
        }
        true
    }

    /// `environment:` of a deployment job: a name, or a mapping with `name`.
    fn environment(&mut self, r: &mut Reader, v: &Node) {
        let name = match &v.value {
            Value::Map(pairs) => {
                r.only(
                    pairs,
                    &["name", "resourceName", "resourceId", "resourceType", "tags"],
                );
                v.get("name").and_then(|n| r.text(n, "environment.name"))
            }
            _ => r.text(v, "environment"),
        };
        if let JobKind::Deployment { environment } = &mut self.job.kind {
            *environment = name;
        }
    }

    pub(super) fn finish(self) -> Job {
        self.job
    }
}

/// `container:` of a job: an alias or image, or a mapping with `alias` or `image`.
fn read_job_container(r: &mut Reader, v: &Node) -> Option<String> {
    match &v.value {
        Value::Map(pairs) => {
            r.only(
                pairs,
                &[
                    "alias",
                    "image",
                    "endpoint",
                    "env",
                    "mapDockerSocket",
                    "options",
                    "ports",
                    "volumes",
                    "mountReadOnly",
                ],
            );
            let named = v.get("alias").or_else(|| v.get("image"));
            match named {
                Some(n) => r.text(n, "container"),
                None => {
                    r.invalid(&v.loc, "A job container has neither `alias:` nor `image:`.");
                    None
                }
            }
        }
        _ => r.text(v, "container"),
    }
}

fn read_job_strategy(r: &mut Reader, v: &Node) {
    if let Value::String(s) = &v.value
        && super::is_runtime(s)
    {
        return;
    }
    if let Some(pairs) = r.map(v, "strategy") {
        r.only(pairs, &["matrix", "maxParallel", "parallel"]);
    }
}

/// The hooks of a deployment strategy, in the order they run.
const HOOKS: &[&str] = &[
    "preDeploy",
    "deploy",
    "routeTraffic",
    "postRouteTraffic",
    "on",
];

/// The steps of `strategy: {runOnce|rolling|canary: hooks}`, flattened in run order.
fn read_deployment_strategy(r: &mut Reader, v: &Node) -> Vec<Step> {
    let Some(pairs) = r.map(v, "strategy") else {
        return Vec::new();
    };
    let mut steps = Vec::new();
    for (k, s) in pairs {
        let extra: &[&str] = match key_of(k) {
            "runOnce" => &[],
            "rolling" => &["maxParallel"],
            "canary" => &["increments"],
            _ => {
                r.unknown_key(k);
                continue;
            }
        };
        let Some(hooks) = r.map(s, "a deployment strategy") else {
            continue;
        };
        for (hk, _) in hooks {
            let name = key_of(hk);
            if !HOOKS.contains(&name) && !extra.contains(&name) {
                r.unknown_key(hk);
            }
        }
        for hook in HOOKS {
            let Some(h) = s.get(hook) else {
                continue;
            };
            if *hook == "on" {
                let Some(outcomes) = r.map(h, "on") else {
                    continue;
                };
                for (ok, ov) in outcomes {
                    match key_of(ok) {
                        "success" | "failure" => steps.extend(read_hook(r, ov)),
                        _ => r.unknown_key(ok),
                    }
                }
            } else {
                steps.extend(read_hook(r, h));
            }
        }
    }
    steps
}

/// One hook: `steps:` and `pool:`.
fn read_hook(r: &mut Reader, v: &Node) -> Vec<Step> {
    let Some(pairs) = r.map(v, "a deployment hook") else {
        return Vec::new();
    };
    let mut steps = Vec::new();
    for (k, v) in pairs {
        match key_of(k) {
            "steps" => steps = read_steps(r, v),
            "pool" => {
                read_pool(r, v);
            }
            _ => r.unknown_key(k),
        }
    }
    steps
}

//! The REST shapes of a run: the Pipelines API `Run`, the Build API `Build` and the build
//! timeline (a record per stage and job).

use keyless_model::devops::runs::{JobState, Run, RunJob};
use keyless_model::devops::{Organization, Pipeline, Project};
use keyless_model::time_fmt::iso;
use serde_json::{Map, Value, json};

/// Where a run's shapes point.
pub struct RunContext<'a> {
    pub origin: &'a str,
    pub org: &'a Organization,
    pub project: &'a Project,
    pub pipeline: &'a Pipeline,
}

impl RunContext<'_> {
    fn project_url(&self) -> String {
        format!("{}/{}/{}", self.origin, self.org.name, self.project.id)
    }
    fn web(&self, run: &Run) -> String {
        format!(
            "{}/{}/{}/_build/results?buildId={}",
            self.origin, self.org.name, self.project.name, run.id
        )
    }
    fn pipeline_url(&self) -> String {
        format!(
            "{}/_apis/pipelines/{}",
            self.project_url(),
            self.pipeline.id
        )
    }
}

fn insert_opt(m: &mut Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(k.into(), v);
    }
}

/// The Pipelines API `Run`.
pub fn run_json(cx: &RunContext, run: &Run) -> Value {
    let url = format!("{}/runs/{}", cx.pipeline_url(), run.id);
    let variables: Map<String, Value> = run
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), json!({"value": v})))
        .collect();
    let mut m = json!({
        "_links": {
            "self": {"href": url},
            "web": {"href": cx.web(run)},
            "pipeline.web": {"href": format!("{}/{}/{}/_build/definition?definitionId={}", cx.origin, cx.org.name, cx.project.name, cx.pipeline.id)},
            "pipeline": {"href": cx.pipeline_url()},
        },
        "pipeline": {
            "url": cx.pipeline_url(),
            "id": cx.pipeline.id,
            "revision": 1,
            "name": cx.pipeline.name,
            "folder": "\\",
        },
        "state": run.state.as_str(),
        "createdDate": iso(run.created_at),
        "url": url,
        "resources": {"repositories": {"self": {"refName": "refs/heads/main", "version": ""}}},
        "variables": variables,
        "id": run.id,
        "name": run.name,
    });
    let o = m.as_object_mut().expect("an object");
    insert_opt(o, "result", run.result.map(|r| json!(r.as_str())));
    insert_opt(o, "finishedDate", run.finished_at.map(|t| json!(iso(t))));
    m
}

/// The Build API `Build`.
pub fn build_json(cx: &RunContext, run: &Run) -> Value {
    let project = json!({
        "id": cx.project.id.to_string(),
        "name": cx.project.name,
        "url": format!("{}/{}/_apis/projects/{}", cx.origin, cx.org.name, cx.project.id),
        "state": "wellFormed",
        "visibility": "private",
    });
    let url = format!("{}/_apis/build/Builds/{}", cx.project_url(), run.id);
    let requested = run
        .requested_by
        .map(|u| json!({"id": u.to_string()}))
        .unwrap_or(Value::Null);
    let mut m = json!({
        "_links": {
            "self": {"href": url},
            "web": {"href": cx.web(run)},
            "timeline": {"href": format!("{url}/Timeline")},
        },
        "id": run.id,
        "buildNumber": run.name,
        "status": run.state.build_status(),
        "queueTime": iso(run.created_at),
        "startTime": iso(run.created_at),
        "url": url,
        "definition": {
            "id": cx.pipeline.id,
            "name": cx.pipeline.name,
            "url": format!("{}/_apis/build/Definitions/{}?revision=1", cx.project_url(), cx.pipeline.id),
            "path": "\\",
            "type": "build",
            "queueStatus": "enabled",
            "revision": 1,
            "project": project,
        },
        "project": project,
        "uri": format!("vstfs:///Build/Build/{}", run.id),
        "sourceBranch": "refs/heads/main",
        "priority": "normal",
        "reason": "manual",
        "requestedFor": requested,
        "requestedBy": requested,
        "repository": {"id": "self", "type": "Git"},
    });
    let o = m.as_object_mut().expect("an object");
    insert_opt(o, "result", run.result.map(|r| json!(r.build_result())));
    insert_opt(o, "finishTime", run.finished_at.map(|t| json!(iso(t))));
    m
}

fn record(id: String, parent: Option<String>, kind: &str, name: &str, j: Option<&RunJob>) -> Value {
    let mut m = json!({
        "id": id,
        "parentId": parent,
        "type": kind,
        "name": name,
        "state": j.map(|j| j.state.as_str()).unwrap_or("completed"),
    });
    let o = m.as_object_mut().expect("an object");
    if let Some(j) = j {
        insert_opt(o, "result", j.result.map(|r| json!(r.as_str())));
        insert_opt(o, "startTime", j.started_at.map(|t| json!(iso(t))));
        insert_opt(o, "finishTime", j.finished_at.map(|t| json!(iso(t))));
    }
    m
}

/// The build timeline: a `Stage` record per stage, a `Job` record per job.
pub fn timeline_json(run: &Run) -> Value {
    let mut records = Vec::new();
    let mut stages: Vec<&str> = Vec::new();
    for j in &run.jobs {
        if let Some(st) = j.stage.as_deref()
            && !stages.contains(&st)
        {
            stages.push(st);
        }
    }
    for st in &stages {
        let jobs: Vec<&RunJob> = run
            .jobs
            .iter()
            .filter(|j| j.stage.as_deref() == Some(st))
            .collect();
        let done = jobs.iter().all(|j| j.state == JobState::Completed);
        let mut r = record(format!("stage:{st}"), None, "Stage", st, None);
        r["state"] = json!(if done { "completed" } else { "inProgress" });
        records.push(r);
    }
    for (i, j) in run.jobs.iter().enumerate() {
        let id = j
            .job_id
            .map(|u| u.to_string())
            .unwrap_or_else(|| format!("job:{i}"));
        let parent = j.stage.as_ref().map(|s| format!("stage:{s}"));
        records.push(record(id, parent, "Job", &j.name, Some(j)));
    }
    json!({"records": records, "id": run.id.to_string(), "lastChangedOn": run.finished_at.map(iso)})
}

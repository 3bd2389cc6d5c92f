//! Pipeline runs and the jobs that belong to them.

use crate::fixtures::*;
use keyless_model::devops::runs::{JobState, Run, RunResult, RunState};
use keyless_store::{SharedStore, Store};

fn run(pipeline_id: i64, project_id: keyless_model::Uuid, name: &str) -> Run {
    Run {
        id: 0,
        pipeline_id,
        project_id,
        name: name.into(),
        state: RunState::InProgress,
        result: None,
        requested_by: Some(new_id()),
        created_at: NOW,
        finished_at: None,
        variables: [("env".to_string(), "test".to_string())].into(),
        jobs: vec![],
    }
}

pub async fn runs_crud_and_jobs_of_a_run(s: &dyn Store) {
    let o = add_organization(s, "contoso").await;
    let p = add_project(s, o.id, "web").await;
    let a = add_pipeline(s, p.id, "a").await;
    let b = add_pipeline(s, p.id, "b").await;
    let r1 = s.create_run(&run(a, p.id, "20250615.1")).await.unwrap();
    let r2 = s.create_run(&run(b, p.id, "20250615.1")).await.unwrap();
    let r3 = s.create_run(&run(a, p.id, "20250615.2")).await.unwrap();
    assert!(r1 < r2 && r2 < r3);
    let mut got = s.get_run(r1).await.unwrap();
    let mut want = run(a, p.id, "20250615.1");
    want.id = r1;
    want.requested_by = got.requested_by;
    assert_eq!(got, want);

    let ids = |v: Vec<Run>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.list_runs(p.id, None, 10).await.unwrap()),
        vec![r3, r2, r1]
    );
    assert_eq!(
        ids(s.list_runs(p.id, Some(a), 10).await.unwrap()),
        vec![r3, r1]
    );
    assert_eq!(ids(s.list_runs(p.id, None, 1).await.unwrap()), vec![r3]);
    assert!(s.list_runs(new_id(), None, 10).await.unwrap().is_empty());
    assert_eq!(s.count_runs_since(a, NOW).await.unwrap(), 2);
    assert_eq!(s.count_runs_since(a, NOW + 1).await.unwrap(), 0);

    {
        let j = got.job_mut(Some("build"), "compile");
        j.state = JobState::Completed;
        j.result = Some(RunResult::Succeeded);
        j.job_id = Some(new_id());
    }
    got.finish(RunResult::Failed, NOW + 30);
    s.update_run(&got).await.unwrap();
    assert_eq!(s.get_run(r1).await.unwrap(), got);

    // A job of the run points at it.
    let pl = s.get_pipeline(a).await.unwrap();
    let mut j = job(&pl, "run-job-hash");
    j.run_id = Some(r1);
    s.create_job(&j).await.unwrap();
    assert_eq!(s.get_job(j.id).await.unwrap().run_id, Some(r1));

    assert_not_found(s.get_run(r3 + 100).await);
    let mut ghost = got.clone();
    ghost.id = r3 + 100;
    assert_not_found(s.update_run(&ghost).await);
    assert_not_found(s.create_run(&run(b + 100, p.id, "x")).await);
}

/// Jobs of one run recorded by racing writers, each through `modify_run`: every job is
/// there at the end (a plain read, then `update_run`, would keep only the last writer's).
pub async fn concurrent_changes_of_a_run_lose_nothing(s: SharedStore) {
    const RACERS: usize = 16;
    let o = add_organization(&*s, "contoso").await;
    let p = add_project(&*s, o.id, "web").await;
    let a = add_pipeline(&*s, p.id, "a").await;
    let id = s.create_run(&run(a, p.id, "20250615.1")).await.unwrap();
    for result in race(&s, RACERS, |i| {
        let s = s.clone();
        async move {
            s.modify_run(id, &mut |r: &mut Run| {
                let j = r.job_mut(Some("build"), &format!("job-{i}"));
                j.state = JobState::Completed;
                j.result = Some(RunResult::Succeeded);
            })
            .await
        }
    })
    .await
    {
        result.unwrap();
    }
    let mut names: Vec<String> = s
        .get_run(id)
        .await
        .unwrap()
        .jobs
        .iter()
        .map(|j| j.name.clone())
        .collect();
    names.sort();
    let mut want: Vec<String> = (0..RACERS).map(|i| format!("job-{i}")).collect();
    want.sort();
    assert_eq!(names, want);

    // Inside a unit of work too, and a missing run is not found.
    let uow = s.begin().await.unwrap();
    let r = uow
        .modify_run(id, &mut |r: &mut Run| r.finish(RunResult::Failed, NOW + 5))
        .await
        .unwrap();
    assert_eq!(r.state, RunState::Completed);
    uow.commit().await.unwrap();
    assert_eq!(s.get_run(id).await.unwrap().state, RunState::Completed);
    assert_not_found(s.modify_run(id + 100, &mut |_: &mut Run| {}).await);
}

/// Serving processes: a heartbeat creates or refreshes a replica's row, the list keeps
/// those seen since a time, and rows older than the forget time go.
pub async fn replicas_beat_and_are_forgotten(s: &dyn Store) {
    use keyless_store::Replica;
    assert!(["sqlite", "postgres"].contains(&s.backend()));
    let beat = |id, started_at, seen_at| Replica {
        id,
        version: "1.2.3".into(),
        started_at,
        seen_at,
    };
    let (a, b) = (new_id(), new_id());
    s.heartbeat(&beat(a, NOW, NOW), 0).await.unwrap();
    s.heartbeat(&beat(b, NOW + 1, NOW + 1), 0).await.unwrap();
    s.heartbeat(&beat(a, NOW, NOW + 50), 0).await.unwrap();
    let seen = s.list_replicas_seen(NOW + 10).await.unwrap();
    assert_eq!(seen, vec![beat(a, NOW, NOW + 50)]);
    let all: Vec<_> = s.list_replicas_seen(0).await.unwrap();
    assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a, b]);
    s.heartbeat(&beat(a, NOW, NOW + 60), NOW + 10)
        .await
        .unwrap();
    assert_eq!(s.list_replicas_seen(0).await.unwrap().len(), 1);
}

/// A pipeline is deleted with its runs, jobs, permission entries and authorizations, in one
/// transaction; while a run is in progress the delete is refused and nothing goes.
pub async fn pipelines_are_deleted_with_their_runs_unless_one_is_in_progress(s: &dyn Store) {
    use keyless_model::devops::pipeline_security::{
        AceAccess, AceSubject, PipelineAce, PipelinePermission,
    };
    let o = add_organization(s, "contoso").await;
    let p = add_project(s, o.id, "web").await;
    let c = add_connection(s, &p, "azure").await;
    let a = add_pipeline(s, p.id, "a").await;
    let keep = add_pipeline(s, p.id, "keep").await;
    s.authorize_pipeline(c.id, a, None, NOW).await.unwrap();
    let ace = PipelineAce {
        subject: AceSubject::User(new_id()),
        permission: PipelinePermission::QueueBuilds,
        access: AceAccess::Deny,
    };
    s.set_pipeline_ace(a, &ace).await.unwrap();
    let r = s.create_run(&run(a, p.id, "20250615.1")).await.unwrap();
    let mut j = job(&s.get_pipeline(a).await.unwrap(), "delete-job-hash");
    j.run_id = Some(r);
    s.create_job(&j).await.unwrap();
    s.create_run(&run(keep, p.id, "20250615.1")).await.unwrap();

    assert_conflict(
        s.delete_pipeline(a).await,
        keyless_store::conflict::PIPELINE_RUNNING,
    );
    assert_eq!(s.list_pipeline_aces(a).await.unwrap(), vec![ace]);
    assert_eq!(s.get_job(j.id).await.unwrap().run_id, Some(r));

    let mut done = s.get_run(r).await.unwrap();
    done.finish(RunResult::Succeeded, NOW + 5);
    s.update_run(&done).await.unwrap();
    s.delete_pipeline(a).await.unwrap();
    assert_not_found(s.get_pipeline(a).await);
    assert_not_found(s.get_run(r).await);
    assert_not_found(s.get_job(j.id).await);
    assert!(s.list_pipeline_aces(a).await.unwrap().is_empty());
    assert_not_found(s.delete_pipeline(a).await);
    // The other pipeline and its run are untouched.
    assert_eq!(s.list_runs(p.id, Some(keep), 10).await.unwrap().len(), 1);
}

//! Pipeline runs: a run of a pipeline (`_apis/pipelines/{id}/runs`, `_apis/build/builds`)
//! and the records of its jobs. States and results use Azure DevOps' wire texts.

use crate::{UnixTime, Uuid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Defines a wire enum with its texts (`as_str`, `parse`, serde through them).
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// Any ASCII case.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s))
            }
        }
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let t = String::deserialize(d)?;
                $name::parse(&t).ok_or_else(|| serde::de::Error::custom(format!(
                    "'{t}' is not one of {}", Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                )))
            }
        }
    };
}

wire_enum!(
    /// A run's state (Pipelines API `RunState`).
    RunState { InProgress => "inProgress", Canceling => "canceling", Completed => "completed" }
);

wire_enum!(
    /// A run's or a job's result. `succeededWithIssues` is the job-level text of a
    /// partially successful run.
    RunResult {
        Succeeded => "succeeded",
        SucceededWithIssues => "succeededWithIssues",
        Failed => "failed",
        Canceled => "canceled",
        Skipped => "skipped",
    }
);

wire_enum!(
    /// A job record's state (timeline `TimelineRecordState`).
    JobState { Pending => "pending", InProgress => "inProgress", Completed => "completed" }
);

impl RunState {
    /// The Build API's `status` text of the same state.
    pub const fn build_status(self) -> &'static str {
        match self {
            RunState::InProgress => "inProgress",
            RunState::Canceling => "cancelling",
            RunState::Completed => "completed",
        }
    }
}

impl RunResult {
    /// The Build API's `result` text (a run that succeeded with issues is
    /// `partiallySucceeded` there).
    pub const fn build_result(self) -> &'static str {
        match self {
            RunResult::SucceededWithIssues => "partiallySucceeded",
            RunResult::Skipped => "none",
            other => other.as_str(),
        }
    }
}

/// One job of a run: where it stands, and the keyless job that ran it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunJob {
    pub name: String,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub job_id: Option<Uuid>,
    pub state: JobState,
    #[serde(default)]
    pub result: Option<RunResult>,
    #[serde(default)]
    pub started_at: Option<UnixTime>,
    #[serde(default)]
    pub finished_at: Option<UnixTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    /// Assigned by the store, increasing across the organization's projects.
    pub id: i64,
    pub pipeline_id: i64,
    pub project_id: Uuid,
    /// The run's number (`yyyymmdd.n`).
    pub name: String,
    pub state: RunState,
    pub result: Option<RunResult>,
    pub requested_by: Option<Uuid>,
    pub created_at: UnixTime,
    pub finished_at: Option<UnixTime>,
    /// The variables given when it was queued (never secret ones).
    pub variables: BTreeMap<String, String>,
    pub jobs: Vec<RunJob>,
}

impl Run {
    /// The record of the job `name` in `stage`, created pending when absent.
    pub fn job_mut(&mut self, stage: Option<&str>, name: &str) -> &mut RunJob {
        let at = self
            .jobs
            .iter()
            .position(|j| j.name == name && j.stage.as_deref() == stage);
        let i = match at {
            Some(i) => i,
            None => {
                self.jobs.push(RunJob {
                    name: name.to_string(),
                    stage: stage.map(String::from),
                    job_id: None,
                    state: JobState::Pending,
                    result: None,
                    started_at: None,
                    finished_at: None,
                });
                self.jobs.len() - 1
            }
        };
        &mut self.jobs[i]
    }

    /// Finishes the run with `result` unless it already finished (the first end counts).
    pub fn finish(&mut self, result: RunResult, at: UnixTime) {
        if self.state == RunState::Completed {
            return;
        }
        self.state = RunState::Completed;
        self.result = Some(result);
        self.finished_at = Some(at);
        for j in &mut self.jobs {
            if j.state != JobState::Completed {
                j.state = JobState::Completed;
                j.result.get_or_insert(if result == RunResult::Canceled {
                    RunResult::Canceled
                } else {
                    RunResult::Skipped
                });
                j.finished_at.get_or_insert(at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_texts_round_trip_and_build_texts_differ_where_azure_devops_does() {
        for r in RunResult::ALL {
            assert_eq!(RunResult::parse(r.as_str()), Some(*r));
        }
        assert_eq!(RunState::Canceling.build_status(), "cancelling");
        assert_eq!(
            RunResult::SucceededWithIssues.build_result(),
            "partiallySucceeded"
        );
        assert!(serde_json::from_str::<RunState>("\"nope\"").is_err());
    }

    #[test]
    fn finishing_completes_every_job_once() {
        let mut r = Run {
            id: 1,
            pipeline_id: 1,
            project_id: Uuid::nil(),
            name: "20260101.1".into(),
            state: RunState::InProgress,
            result: None,
            requested_by: None,
            created_at: 0,
            finished_at: None,
            variables: Default::default(),
            jobs: vec![],
        };
        r.job_mut(Some("build"), "a").state = JobState::InProgress;
        r.job_mut(Some("build"), "a").result = None;
        r.finish(RunResult::Canceled, 5);
        r.finish(RunResult::Succeeded, 9);
        assert_eq!(r.result, Some(RunResult::Canceled));
        assert_eq!(r.finished_at, Some(5));
        assert_eq!(r.jobs[0].result, Some(RunResult::Canceled));
        assert_eq!(r.jobs.len(), 1);
    }
}

/// The start of the UTC day of `t`.
pub fn day_start(t: UnixTime) -> UnixTime {
    t - t.rem_euclid(86_400)
}

/// A run's number as Azure DevOps' default format makes it, `$(Date:yyyyMMdd)$(Rev:.r)`:
/// the day and the run's rank among the pipeline's runs of that day.
pub fn run_name(created_at: UnixTime, rank: i64) -> String {
    let day = crate::time_fmt::iso(created_at);
    format!("{}{}{}.{rank}", &day[0..4], &day[5..7], &day[8..10])
}

#[cfg(test)]
mod name_tests {
    #[test]
    fn run_names_are_the_day_and_the_rank() {
        assert_eq!(super::run_name(1_767_323_045, 3), "20260102.3");
        assert_eq!(super::day_start(1_767_323_045), 1_767_312_000);
    }
}

-- Pipeline runs, sqlite dialect. Keep in step with ../postgres/0021_runs.sql.
--
-- runs: one run of a pipeline; state 'inProgress' | 'canceling' | 'completed', result JSON
-- ('null' or '"succeeded"'…), variables JSON {name: value}, jobs JSON [{name, stage, jobId,
-- state, result, startedAt, finishedAt}] (the run's job records).
-- jobs.run_id: the run a job belongs to; NULL for a job started on its own.
CREATE TABLE runs (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    pipeline_id  INTEGER NOT NULL REFERENCES pipelines (id),
    project_id   TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    result       TEXT    NOT NULL,
    requested_by TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    variables    TEXT    NOT NULL,
    jobs         TEXT    NOT NULL
) STRICT;
CREATE INDEX runs_pipeline_ix ON runs (pipeline_id, id);
CREATE INDEX runs_project_ix ON runs (project_id, id);
ALTER TABLE jobs ADD COLUMN run_id INTEGER REFERENCES runs (id);

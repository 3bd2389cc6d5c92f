-- Pipelines are YAML, sqlite dialect. Keep in step with ../postgres/0018_pipeline_yaml.sql.
--
-- pipelines.definition: JSON {"path": …, "files": {path: text}}, the pipeline file and the
-- templates it includes; 'null' for a pipeline saved before (its connections were listed).
-- jobs.connections: JSON list of the connection ids the run resolved from the YAML when it
-- was queued; 'null' for a job of a pipeline without YAML (it uses pipelines.connections).
ALTER TABLE pipelines ADD COLUMN definition TEXT NOT NULL DEFAULT 'null';
ALTER TABLE jobs ADD COLUMN connections TEXT NOT NULL DEFAULT 'null';

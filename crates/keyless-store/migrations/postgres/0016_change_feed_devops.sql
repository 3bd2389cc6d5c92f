-- The change feed (src/changes.rs) for what a job's ID-token request reads besides the job:
-- projects, pipelines, service connections, their sharing and pipeline permissions. Jobs are
-- not watched: they are written all day, and the token request reads its job every time.
-- Keep the table list in step with `changes::WATCHED_TABLES`.
CREATE TRIGGER projects_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER pipelines_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pipelines
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER service_connections_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_connections
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER connection_shares_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON connection_shares
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER connection_pipeline_policy_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON connection_pipeline_policy
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER connection_pipelines_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON connection_pipelines
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();

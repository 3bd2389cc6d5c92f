-- The change feed (src/changes.rs) for what a job's ID-token request reads besides the job
-- (projects, pipelines, service connections, their sharing and pipeline permissions) and
-- what an ARM request's RBAC decision reads (role assignments, custom roles, subscriptions
-- and their management groups). Jobs are not watched: they are written all day, and the
-- token request reads its job every time.
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
CREATE TRIGGER role_assignments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON role_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER custom_roles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON custom_roles
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER subscriptions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON subscriptions
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER management_groups_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON management_groups
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();

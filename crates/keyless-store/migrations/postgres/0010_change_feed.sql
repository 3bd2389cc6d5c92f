-- The change feed (src/changes.rs): a write to a table whose rows replicas cache in memory
-- notifies channel `keyless_changes`, delivered to every listening replica when the writing
-- transaction commits. One notification per statement (the payload is the table name;
-- PostgreSQL folds identical notifications of one transaction into one). SQLite has no such
-- migration: its connections report their writes through an update hook instead.
-- Keep the table list in step with `changes::WATCHED_TABLES`.
CREATE FUNCTION keyless_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('keyless_changes', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER tenants_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER organizations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER applications_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON applications
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER service_principals_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_principals
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER password_credentials_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON password_credentials
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();
CREATE TRIGGER federated_credentials_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON federated_credentials
    FOR EACH STATEMENT EXECUTE FUNCTION keyless_notify_change();

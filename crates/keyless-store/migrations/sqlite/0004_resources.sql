-- Generic ARM resources, SQLite dialect. Keep in step with ../postgres/0004_resources.sql:
-- same columns and index names.
--
-- `key` is the lowercase id (`Resource::key`), unique: lookups, replaces and the
-- "below a resource" prefix match use it. `id` keeps the spelling of the first create.
-- `seq` is the insertion order (like the audit log's), breaking ties between resources
-- created in the same second; SQLite only numbers a rowid alias, hence it is the primary
-- key and `key` a unique index. `resource_group_key` is the group's `name_key`: a resource
-- belongs to an existing group (the foreign key), and deleting the group deletes its
-- resources first (src/impls/arm.rs). `tags` and `properties` are JSON documents as text.

CREATE TABLE resources (
    seq                INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    key                TEXT    NOT NULL,
    id                 TEXT    NOT NULL,
    subscription_id    TEXT    NOT NULL,
    resource_group     TEXT    NOT NULL,
    resource_group_key TEXT    NOT NULL,
    resource_type      TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    location           TEXT,
    tags               TEXT    NOT NULL,
    properties         TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    FOREIGN KEY (subscription_id, resource_group_key)
        REFERENCES resource_groups (subscription_id, name_key)
) STRICT;
CREATE UNIQUE INDEX resources_key_uq ON resources (key);
CREATE INDEX resources_group_ix ON resources (subscription_id, resource_group_key);

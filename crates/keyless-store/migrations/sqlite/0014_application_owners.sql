-- An application's owners (Graph `/applications/{id}/owners`): users or service principals
-- by object id. Backfilled from the creator. Keep in step with the other backend's 0014:
-- same columns and index names.
CREATE TABLE application_owners (
    application_id TEXT    NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    owner_id       TEXT    NOT NULL,
    added_at       INTEGER NOT NULL,
    PRIMARY KEY (application_id, owner_id)
) STRICT;
CREATE INDEX application_owners_owner_ix ON application_owners (owner_id);

INSERT INTO application_owners (application_id, owner_id, added_at)
SELECT id, created_by, created_at FROM applications WHERE created_by IS NOT NULL;

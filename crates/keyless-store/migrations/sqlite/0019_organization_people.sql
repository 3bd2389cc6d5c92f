-- An organization's owner, its organization groups (Project Collection Administrators), the
-- access level of its users and its preview features, sqlite dialect. Keep in step with the
-- other backend's 0019: same columns and index names.
--
-- organizations.owner_id: a user; NULL for organizations created before owners were
-- recorded (keyless administrators stand in for them). organization_members: a user's
-- organization groups (group_name is the display name). organization_users: a user's
-- access level ('Basic', 'Stakeholder'); no row: Basic. organization_features: a preview
-- feature turned on or off; no row: the feature's default (on).
ALTER TABLE organizations ADD COLUMN owner_id TEXT REFERENCES users (id);

CREATE TABLE organization_members (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id),
    group_name      TEXT NOT NULL,
    CONSTRAINT organization_members_pkey PRIMARY KEY (organization_id, user_id, group_name)
) STRICT;
CREATE INDEX organization_members_user_ix ON organization_members (user_id);

CREATE TABLE organization_users (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id),
    access_level    TEXT NOT NULL,
    CONSTRAINT organization_users_pkey PRIMARY KEY (organization_id, user_id)
) STRICT;
CREATE INDEX organization_users_user_ix ON organization_users (user_id);

CREATE TABLE organization_features (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    feature         TEXT NOT NULL,
    enabled         INTEGER NOT NULL,
    CONSTRAINT organization_features_pkey PRIMARY KEY (organization_id, feature)
) STRICT;

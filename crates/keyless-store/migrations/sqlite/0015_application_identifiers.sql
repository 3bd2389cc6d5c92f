-- An application's `identifierUris` (JSON array of absolute URIs, unique within a tenant:
-- checked by the Graph plane) and its Graph `api` object (JSON), empty for existing apps.
ALTER TABLE applications ADD COLUMN identifier_uris TEXT NOT NULL DEFAULT '[]';
ALTER TABLE applications ADD COLUMN api TEXT NOT NULL DEFAULT '{}';

-- Top-level fields of a generic ARM resource that ARM returns as sent (kind, sku, identity,
-- plan, managedBy, extendedLocation), as one JSON object as text; '{}' when none.
-- Keep in step with ../sqlite/0009_resource_extra.sql.

ALTER TABLE resources ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';

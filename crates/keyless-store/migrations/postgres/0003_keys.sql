-- Key rotation, PostgreSQL dialect. Keep in step with ../sqlite/0003_keys.sql.
-- A key is published as soon as it exists and signs from `not_before` on (publish before
-- sign); `retired_at` is when it stops signing (the `not_before` of its successor), after
-- which it stays published until the tokens it signed have expired, then it is deleted.
-- Keys created before this migration signed from their creation.

ALTER TABLE signing_keys ADD COLUMN not_before BIGINT NOT NULL DEFAULT 0;
UPDATE signing_keys SET not_before = created_at;
-- The current key of an issuer and algorithm: `WHERE owner = $1 AND alg = $2 AND retired_at
-- IS NULL`; the clean-up: `WHERE retired_at < $1`.
CREATE INDEX signing_keys_owner_alg_ix ON signing_keys (owner, alg, retired_at);
CREATE INDEX signing_keys_retired_ix ON signing_keys (retired_at);

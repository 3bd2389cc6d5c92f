-- Agent pools and agents, sqlite dialect. Keep in step with ../postgres/0022_agents.sql.
--
-- agent_pools: an organization's pools; is_hosted marks the Microsoft-hosted pool.
-- agents: the agents of a pool; vm_resource_id: the ARM id of the VM it runs on (NULL: none);
-- secret_hash: SHA-256 (hex) of the agent's secret, by which it proves itself to the managed
-- identity endpoints; sealed_secret: the same secret sealed under the key-encryption key
-- (base64), handed to the jobs the agent runs.
-- jobs.pool_id, jobs.agent_id: where a job ran; NULL for a job started without a pool.
CREATE TABLE agent_pools (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    organization_id TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    name_key        TEXT    NOT NULL,
    is_hosted       INTEGER NOT NULL,
    created_by      TEXT
) STRICT;
CREATE UNIQUE INDEX agent_pools_name_uq ON agent_pools (organization_id, name_key);
CREATE TABLE agents (
    id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name           TEXT    NOT NULL,
    name_key       TEXT    NOT NULL,
    pool_id        INTEGER NOT NULL REFERENCES agent_pools (id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    vm_resource_id TEXT,
    secret_hash    TEXT    NOT NULL,
    sealed_secret  TEXT    NOT NULL
) STRICT;
CREATE UNIQUE INDEX agents_name_uq ON agents (pool_id, name_key);
CREATE UNIQUE INDEX agents_secret_uq ON agents (secret_hash);
ALTER TABLE jobs ADD COLUMN pool_id INTEGER REFERENCES agent_pools (id) ON DELETE SET NULL;
ALTER TABLE jobs ADD COLUMN agent_id INTEGER REFERENCES agents (id) ON DELETE SET NULL;

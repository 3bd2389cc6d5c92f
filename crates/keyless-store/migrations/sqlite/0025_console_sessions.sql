-- Sign-in sessions of the web console, sqlite dialect. Keep in step with
-- ../postgres/0025_console_sessions.sql.
--
-- console_sessions: one row per signed-in browser. id_hash is the SHA-256 (hex) of the
-- session id, which only the browser's cookie holds; sealed is the user's personal access
-- token and the session's CSRF token, AES-256-GCM under a key derived from the session id
-- (so the row alone opens nothing); created_at and seen_at are Unix seconds (sign-in, last
-- request). Expired rows are deleted at the next sign-in on any replica.
CREATE TABLE console_sessions (
    id_hash    TEXT    NOT NULL PRIMARY KEY,
    user_name  TEXT    NOT NULL,
    sealed     BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX console_sessions_created_ix ON console_sessions (created_at);

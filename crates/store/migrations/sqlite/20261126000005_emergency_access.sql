-- Break-glass: an administrator's time-limited, reasoned access to one client's records.
CREATE TABLE emergency_grants (
    id         TEXT PRIMARY KEY,
    admin_id   TEXT NOT NULL REFERENCES users (id),
    client_id  TEXT NOT NULL REFERENCES users (id),
    reason     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at   BIGINT
);
CREATE INDEX emergency_grants_client ON emergency_grants (client_id, created_at);

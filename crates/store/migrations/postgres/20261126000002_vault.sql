-- The vault: per-client data keys (stored only wrapped by the operator's key-encryption
-- key) and the hash-chained log of every access to a client's clinical content.
-- client_id has no foreign key on purpose: keys and access events outlive an erased
-- account for the legal retention period.

CREATE TABLE client_keys (
    client_id    TEXT PRIMARY KEY,
    kek_id       TEXT NOT NULL,
    wrapped_dek  BYTEA,
    created_at   BIGINT NOT NULL,
    rewrapped_at BIGINT,
    destroyed_at BIGINT
);
CREATE INDEX client_keys_kek ON client_keys (kek_id);

CREATE TABLE access_events (
    seq         BIGINT PRIMARY KEY,
    client_id   TEXT NOT NULL,
    actor_id    TEXT,
    actor_role  TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    emergency   BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    request_id  TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX access_events_client ON access_events (client_id, seq);

CREATE TABLE audit_checkpoints (
    seq        BIGINT PRIMARY KEY,
    head_hash  TEXT NOT NULL,
    signed_at  BIGINT NOT NULL,
    public_key TEXT NOT NULL,
    signature  TEXT NOT NULL
);

-- The chain's head, one row. Appending first updates this row, which takes the write
-- lock on SQLite and a row lock on PostgreSQL, so concurrent appends queue up instead of
-- forking the chain. Verification never trusts it: it recomputes from the events.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Accounts, sessions, tokens, MFA, security events and the mail outbox.
-- Instants are BIGINT milliseconds since the Unix epoch (UTC); ids are TEXT UUIDs.

CREATE TABLE users (
    id                TEXT PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE,
    password_hash     TEXT NOT NULL,
    display_name      TEXT NOT NULL,
    pronouns          TEXT,
    time_zone         TEXT NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('client', 'therapist', 'admin')),
    email_verified_at BIGINT,
    totp_secret       TEXT,
    totp_pending      TEXT,
    totp_enabled_at   BIGINT,
    totp_last_step    BIGINT,
    password_changed_at BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    token_hash       TEXT NOT NULL UNIQUE,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    level            TEXT NOT NULL CHECK (level IN ('pending_mfa', 'password', 'mfa')),
    created_at       BIGINT NOT NULL,
    last_seen_at     BIGINT NOT NULL,
    idle_timeout_ms  BIGINT NOT NULL,
    absolute_expires_at BIGINT NOT NULL,
    user_agent       TEXT,
    ip               TEXT,
    revoked_at       BIGINT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE login_attempts (
    id         TEXT PRIMARY KEY,
    email_hash TEXT NOT NULL,
    ip         TEXT NOT NULL,
    at         BIGINT NOT NULL,
    succeeded  BIGINT NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email_hash, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

CREATE TABLE security_events (
    id         TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    kind       TEXT NOT NULL,
    ip         TEXT,
    request_id TEXT,
    at         BIGINT NOT NULL
);
CREATE INDEX security_events_user ON security_events (user_id, at);
CREATE INDEX security_events_at ON security_events (at);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    failed_at       BIGINT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);

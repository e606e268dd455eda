-- One row per throttled key (an account's e-mail hash, or a client address): taking it
-- first makes "check the limit, count the attempt" one step for concurrent attempts on
-- either engine (a row lock on PostgreSQL; SQLite's write lock is already exclusive).
CREATE TABLE login_guards (
    key     TEXT PRIMARY KEY,
    touched BIGINT NOT NULL
);

-- Mails that anyone may cause without signing in (sign-up, password reset, a new
-- confirmation link): counted per recipient (hashed) and per client address, so nobody
-- can flood a mailbox through Rapport.
CREATE TABLE mail_sends (
    id          TEXT PRIMARY KEY,
    target_hash TEXT NOT NULL,
    ip          TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX mail_sends_target ON mail_sends (target_hash, at);
CREATE INDEX mail_sends_ip ON mail_sends (ip, at);

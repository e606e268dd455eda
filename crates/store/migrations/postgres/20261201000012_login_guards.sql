-- One row per throttled key (an account's e-mail hash, or a client address): taking it
-- first makes "check the limit, count the attempt" one step for concurrent attempts on
-- either engine (a row lock on PostgreSQL; SQLite's write lock is already exclusive).
CREATE TABLE login_guards (
    key     TEXT PRIMARY KEY,
    touched BIGINT NOT NULL
);

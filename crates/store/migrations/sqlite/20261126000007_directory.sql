-- The therapist directory: profiles, licenses with their verification history, and where
-- a client will be during sessions. List fields hold space-delimited codes with a leading
-- and trailing space (" cbt dbt ") so a filter is a portable LIKE '% cbt %'.

ALTER TABLE users ADD COLUMN location_country TEXT;
ALTER TABLE users ADD COLUMN location_region TEXT;

CREATE TABLE therapist_profiles (
    user_id             TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    short_intro         TEXT NOT NULL,
    long_intro          TEXT NOT NULL,
    first_session       TEXT NOT NULL,
    modalities          TEXT NOT NULL,
    specialties         TEXT NOT NULL,
    populations         TEXT NOT NULL,
    languages           TEXT NOT NULL,
    formats             TEXT NOT NULL,
    insurance           TEXT NOT NULL,
    fee_cents           BIGINT NOT NULL,
    sliding_scale       BIGINT NOT NULL,
    office_hours        TEXT NOT NULL,
    reply_within_hours  BIGINT NOT NULL,
    gender              TEXT,
    faith               TEXT,
    cultural_background TEXT,
    search_text         TEXT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE licenses (
    id               TEXT PRIMARY KEY,
    therapist_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    license_type     TEXT NOT NULL,
    number           TEXT NOT NULL,
    country          TEXT NOT NULL,
    region           TEXT,
    issued_on        TEXT NOT NULL,
    expires_on       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
    decided_by       TEXT REFERENCES users (id),
    decided_at       BIGINT,
    method           TEXT,
    note             TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX licenses_therapist ON licenses (therapist_id);
CREATE INDEX licenses_place ON licenses (country, region, status, expires_on);

CREATE TABLE license_history (
    id         TEXT PRIMARY KEY,
    license_id TEXT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    actor_id   TEXT,
    note       TEXT,
    at         BIGINT NOT NULL
);
CREATE INDEX license_history_license ON license_history (license_id, at);

-- Free-text search over names and introductions. Diacritics are kept (as PostgreSQL's
-- 'simple' configuration does) so that both backends return the same results.
CREATE VIRTUAL TABLE therapist_search USING fts5 (
    user_id UNINDEXED,
    body,
    tokenize = 'unicode61 remove_diacritics 0'
);

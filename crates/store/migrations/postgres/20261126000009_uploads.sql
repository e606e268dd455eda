-- Uploaded files: a therapist's photo (re-encoded by the server, so no metadata survives)
-- and license evidence (sealed by the vault under the therapist's key).
CREATE TABLE therapist_photos (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    png        BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE license_evidence (
    license_id   TEXT PRIMARY KEY REFERENCES licenses (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    sealed       BYTEA NOT NULL,
    size         BIGINT NOT NULL,
    uploaded_at  BIGINT NOT NULL
);

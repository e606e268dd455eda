-- Consents a client signed: which document and version, the SHA-256 of the exact text
-- they saw, the name they typed, when, and when (if ever) they withdrew it.
CREATE TABLE consent_signatures (
    id           TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    document     TEXT NOT NULL,
    version      BIGINT NOT NULL,
    text_sha256  TEXT NOT NULL,
    typed_name   TEXT NOT NULL,
    signed_at    BIGINT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX consent_signatures_client ON consent_signatures (client_id, document, signed_at);

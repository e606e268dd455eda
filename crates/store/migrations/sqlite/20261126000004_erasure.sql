-- Erasure: when a client asked, and when the clinical records kept by law are destroyed
-- (by destroying the client's data key).
ALTER TABLE users ADD COLUMN erased_at BIGINT;

CREATE TABLE erasure_requests (
    client_id    TEXT PRIMARY KEY,
    requested_at BIGINT NOT NULL,
    destroy_after BIGINT NOT NULL,
    destroyed_at BIGINT
);
CREATE INDEX erasure_requests_due ON erasure_requests (destroyed_at, destroy_after);

-- The care relationship between one client and one therapist: what every clinical record
-- belongs to, and what decides which therapist may open a client's records. One row per
-- pair; its history is care_events; a contact request is the client's first message.

CREATE TABLE care_relationships (
    id           TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL REFERENCES users (id),
    therapist_id TEXT NOT NULL REFERENCES users (id),
    -- requested | active | ended
    status       TEXT NOT NULL CHECK (status IN ('requested', 'active', 'ended')),
    ever_active  BIGINT NOT NULL DEFAULT 0,
    -- client | therapist, once ended
    ended_by     TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (client_id, therapist_id)
);
CREATE INDEX care_relationships_therapist ON care_relationships (therapist_id, status);

-- Every change: what happened, by whom, and the status after it. A reason given when
-- ending or declining is sealed by the vault under the client's key.
CREATE TABLE care_events (
    id              TEXT PRIMARY KEY,
    relationship_id TEXT NOT NULL REFERENCES care_relationships (id),
    seq             BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    party           TEXT NOT NULL,
    actor_id        TEXT,
    status          TEXT NOT NULL,
    reason_sealed   BLOB,
    UNIQUE (relationship_id, seq)
);

-- A question or a request for a free consultation, sent from a directory profile; the
-- text is sealed under the client's key.
CREATE TABLE contact_requests (
    id              TEXT PRIMARY KEY,
    relationship_id TEXT NOT NULL REFERENCES care_relationships (id),
    topic           TEXT NOT NULL CHECK (topic IN ('question', 'consultation')),
    body_sealed     BLOB NOT NULL,
    created_at      BIGINT NOT NULL,
    -- accepted | declined | withdrawn, once answered
    outcome         TEXT,
    answered_at     BIGINT
);
CREATE INDEX contact_requests_relationship ON contact_requests (relationship_id, created_at);

-- Sessions belong to a relationship.
ALTER TABLE appointments ADD COLUMN care_id TEXT REFERENCES care_relationships (id);

-- Every pair that already has sessions is in care.
INSERT INTO care_relationships (id, client_id, therapist_id, status, ever_active, created_at, updated_at)
SELECT lower(hex(randomblob(16))), client_id, therapist_id, 'active', 1, MIN(created_at), MAX(created_at)
FROM appointments GROUP BY client_id, therapist_id;
INSERT INTO care_events (id, relationship_id, seq, at, kind, party, actor_id, status)
SELECT lower(hex(randomblob(16))), id, 1, created_at, 'booked', 'system', NULL, 'active' FROM care_relationships;
UPDATE appointments SET care_id = (
    SELECT r.id FROM care_relationships r
    WHERE r.client_id = appointments.client_id AND r.therapist_id = appointments.therapist_id
);

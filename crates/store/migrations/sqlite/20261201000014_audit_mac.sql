-- Every access event carries a MAC made with a key derived from the audit signing key,
-- which lives beside the keys, never in the database: someone who can write to the
-- database cannot add an event that verifies. Events written before MACs existed are
-- adopted (MAC'd) once by the first server that starts with this version.
ALTER TABLE access_events ADD COLUMN mac TEXT;
ALTER TABLE vault_state ADD COLUMN macs_adopted BIGINT NOT NULL DEFAULT 0;

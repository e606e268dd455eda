-- The platform's own secrets are sealed under the operator's data key (see
-- crates/vault/src/secrets.rs): TOTP seeds, typed consent names, break-glass reasons and
-- queued mail bodies. Values stored in clear before this version are sealed, and their
-- clear columns emptied, by the first server that starts with it (the database cannot
-- seal: it has no key).
ALTER TABLE users ADD COLUMN totp_secret_sealed BYTEA;
ALTER TABLE users ADD COLUMN totp_pending_sealed BYTEA;
ALTER TABLE consent_signatures ADD COLUMN typed_name_sealed BYTEA;
ALTER TABLE emergency_grants ADD COLUMN reason_sealed BYTEA;
ALTER TABLE outbox ADD COLUMN body_sealed BYTEA;

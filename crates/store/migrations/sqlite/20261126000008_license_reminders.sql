-- Expiry reminders sent to therapists (60 and 14 days before a license expires), so each
-- is sent once even when the server restarts or was down on the day.
CREATE TABLE license_reminders (
    license_id TEXT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    days       BIGINT NOT NULL,
    sent_at    BIGINT NOT NULL,
    PRIMARY KEY (license_id, days)
);

-- The empathy coach is opt-in per therapist.
ALTER TABLE users ADD COLUMN coach_enabled_at BIGINT;

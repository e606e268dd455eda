-- Scheduling: availability, session types, appointments with their history, reminders
-- already sent, and calendar feeds. Instants are UTC milliseconds; hours are wall-clock
-- minutes in the therapist's own zone (users.time_zone).

CREATE TABLE schedule_settings (
    therapist_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    min_notice_minutes INTEGER NOT NULL,
    horizon_days       INTEGER NOT NULL,
    step_minutes       INTEGER NOT NULL,
    free_cancel_hours  INTEGER NOT NULL,
    -- Bumped by every booking and move: the first write of the booking transaction, so
    -- bookings for one therapist take turns on both engines (a row lock on PostgreSQL;
    -- SQLite's write lock is already exclusive).
    booking_turn       BIGINT NOT NULL DEFAULT 0,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE weekly_hours (
    id           TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL,
    end_minute   INTEGER NOT NULL,
    CHECK (start_minute >= 0 AND start_minute < end_minute AND end_minute <= 1440)
);
CREATE INDEX weekly_hours_therapist ON weekly_hours (therapist_id);

-- A date with different hours; a row without minutes makes the whole date a day off.
CREATE TABLE day_overrides (
    id           TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    start_minute INTEGER,
    end_minute   INTEGER
);
CREATE INDEX day_overrides_therapist ON day_overrides (therapist_id, day);

CREATE TABLE time_off (
    id           TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_at    BIGINT NOT NULL,
    ends_at      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX time_off_therapist ON time_off (therapist_id, ends_at);

CREATE TABLE session_types (
    id            TEXT PRIMARY KEY,
    therapist_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    minutes       INTEGER NOT NULL,
    buffer_before INTEGER NOT NULL,
    buffer_after  INTEGER NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL
);
CREATE INDEX session_types_therapist ON session_types (therapist_id);

CREATE TABLE appointments (
    id                TEXT PRIMARY KEY,
    therapist_id      TEXT NOT NULL REFERENCES users (id),
    client_id         TEXT NOT NULL REFERENCES users (id),
    session_type_id   TEXT NOT NULL REFERENCES session_types (id),
    series_id         TEXT,
    starts_at         BIGINT NOT NULL,
    ends_at           BIGINT NOT NULL,
    -- The time kept from other bookings: the session with its buffers.
    busy_from         BIGINT NOT NULL,
    busy_until        BIGINT NOT NULL,
    status            TEXT NOT NULL,
    -- The policy the client saw when booking (hours of free cancellation).
    free_cancel_hours INTEGER NOT NULL,
    cancelled_by      TEXT,
    cancelled_at      BIGINT,
    cancelled_late    INTEGER NOT NULL DEFAULT 0,
    no_show_therapist INTEGER NOT NULL DEFAULT 0,
    no_show_client    INTEGER NOT NULL DEFAULT 0,
    sequence          INTEGER NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX appointments_therapist ON appointments (therapist_id, starts_at);
CREATE INDEX appointments_client ON appointments (client_id, starts_at);
CREATE INDEX appointments_open ON appointments (status, ends_at);
-- A last line of defence under the booking rules: never two live bookings of one
-- therapist at the same start.
CREATE UNIQUE INDEX appointments_one_live_start ON appointments (therapist_id, starts_at) WHERE status = 'booked';

-- Everything that happened to an appointment, in order: booked, rescheduled,
-- cancelled, joined, left, completed, no_show. `party` is who did it (client,
-- therapist, or system for automatic settling).
CREATE TABLE appointment_events (
    id             TEXT PRIMARY KEY,
    appointment_id TEXT NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    seq            BIGINT NOT NULL,
    at             BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    party          TEXT NOT NULL,
    actor_id       TEXT,
    starts_at      BIGINT NOT NULL,
    previous_starts_at BIGINT,
    late           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX appointment_events_appointment ON appointment_events (appointment_id, seq);

CREATE TABLE reminders_sent (
    appointment_id TEXT NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    starts_at      BIGINT NOT NULL,
    offset_minutes INTEGER NOT NULL,
    sent_at        BIGINT NOT NULL,
    PRIMARY KEY (appointment_id, starts_at, offset_minutes)
);

CREATE TABLE calendar_feeds (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

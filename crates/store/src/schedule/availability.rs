//! A therapist's availability as stored: settings, weekly hours, date overrides, time off
//! and session types.

use super::*;
use crate::{new_id, now_ms, Result, Store};
use rapport_core::UserId;

impl Store {
    pub async fn schedule_settings(&self, therapist: &UserId) -> Result<Option<Settings>> {
        Ok(sqlx::query_as(
            "SELECT therapist_id, min_notice_minutes, horizon_days, step_minutes, free_cancel_hours \
             FROM schedule_settings WHERE therapist_id = $1",
        )
        .bind(therapist.as_str())
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn save_schedule_settings(&self, s: &Settings) -> Result<()> {
        sqlx::query(
            "INSERT INTO schedule_settings (therapist_id, min_notice_minutes, horizon_days, step_minutes, free_cancel_hours, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (therapist_id) DO UPDATE SET \
             min_notice_minutes = excluded.min_notice_minutes, horizon_days = excluded.horizon_days, \
             step_minutes = excluded.step_minutes, free_cancel_hours = excluded.free_cancel_hours, updated_at = excluded.updated_at",
        )
        .bind(&s.therapist_id)
        .bind(s.min_notice_minutes)
        .bind(s.horizon_days)
        .bind(s.step_minutes)
        .bind(s.free_cancel_hours)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn weekly_hours(&self, therapist: &UserId) -> Result<Vec<WeeklyHours>> {
        Ok(sqlx::query_as(
            "SELECT id, weekday, start_minute, end_minute FROM weekly_hours WHERE therapist_id = $1 \
             ORDER BY weekday, start_minute",
        )
        .bind(therapist.as_str())
        .fetch_all(self.pool())
        .await?)
    }

    /// Replaces all weekly hours at once (the form edits the whole week).
    pub async fn replace_weekly_hours(
        &self,
        therapist: &UserId,
        hours: &[(i64, i64, i64)],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM weekly_hours WHERE therapist_id = $1")
            .bind(therapist.as_str())
            .execute(&mut *tx)
            .await?;
        for (weekday, start, end) in hours {
            sqlx::query(
                "INSERT INTO weekly_hours (id, therapist_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(new_id())
            .bind(therapist.as_str())
            .bind(weekday)
            .bind(start)
            .bind(end)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn day_overrides(&self, therapist: &UserId) -> Result<Vec<DayOverride>> {
        Ok(sqlx::query_as(
            "SELECT id, day, start_minute, end_minute FROM day_overrides WHERE therapist_id = $1 ORDER BY day, start_minute",
        )
        .bind(therapist.as_str())
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn add_day_override(
        &self,
        therapist: &UserId,
        day: &str,
        minutes: Option<(i64, i64)>,
    ) -> Result<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO day_overrides (id, therapist_id, day, start_minute, end_minute) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(therapist.as_str())
        .bind(day)
        .bind(minutes.map(|m| m.0))
        .bind(minutes.map(|m| m.1))
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// Removes one of the therapist's own overrides; false if they have none by that id.
    pub async fn remove_day_override(&self, therapist: &UserId, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM day_overrides WHERE id = $1 AND therapist_id = $2")
            .bind(id)
            .bind(therapist.as_str())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn time_off(&self, therapist: &UserId) -> Result<Vec<TimeOff>> {
        Ok(sqlx::query_as(
            "SELECT id, starts_at, ends_at FROM time_off WHERE therapist_id = $1 ORDER BY starts_at",
        )
        .bind(therapist.as_str())
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn add_time_off(
        &self,
        therapist: &UserId,
        starts_at: i64,
        ends_at: i64,
    ) -> Result<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO time_off (id, therapist_id, starts_at, ends_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(therapist.as_str())
        .bind(starts_at)
        .bind(ends_at)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    pub async fn remove_time_off(&self, therapist: &UserId, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM time_off WHERE id = $1 AND therapist_id = $2")
            .bind(id)
            .bind(therapist.as_str())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn session_types(&self, therapist: &UserId) -> Result<Vec<SessionType>> {
        let rows: Vec<SessionTypeRow> = sqlx::query_as(
            "SELECT id, therapist_id, name, minutes, buffer_before, buffer_after, active FROM session_types \
             WHERE therapist_id = $1 ORDER BY created_at, name, id",
        )
        .bind(therapist.as_str())
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(SessionType::from).collect())
    }

    pub async fn session_type(&self, id: &str) -> Result<Option<SessionType>> {
        let row: Option<SessionTypeRow> = sqlx::query_as(
            "SELECT id, therapist_id, name, minutes, buffer_before, buffer_after, active FROM session_types WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(SessionType::from))
    }

    pub async fn add_session_type(
        &self,
        therapist: &UserId,
        name: &str,
        minutes: i64,
        buffer_before: i64,
        buffer_after: i64,
    ) -> Result<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO session_types (id, therapist_id, name, minutes, buffer_before, buffer_after, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
        )
        .bind(&id)
        .bind(therapist.as_str())
        .bind(name)
        .bind(minutes)
        .bind(buffer_before)
        .bind(buffer_after)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// Offers a session type to clients or stops offering it (booked sessions keep it).
    pub async fn set_session_type_active(
        &self,
        therapist: &UserId,
        id: &str,
        active: bool,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE session_types SET active = $3 WHERE id = $1 AND therapist_id = $2")
                .bind(id)
                .bind(therapist.as_str())
                .bind(i64::from(active))
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The therapist's live bookings overlapping `[from, until)`, as padded spans,
    /// leaving out `except` (the session being moved, whose own time is free for it).
    pub async fn busy_spans(
        &self,
        therapist: &UserId,
        from: i64,
        until: i64,
        except: Option<&str>,
    ) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT busy_from, busy_until FROM appointments WHERE therapist_id = $1 AND status = 'booked' \
             AND busy_until > $2 AND busy_from < $3 AND id <> $4 ORDER BY busy_from",
        )
        .bind(therapist.as_str())
        .bind(from)
        .bind(until)
        .bind(except.unwrap_or(""))
        .fetch_all(self.pool())
        .await?)
    }
}

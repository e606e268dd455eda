//! Accounts: identity, password hash, profile, e-mail verification, TOTP and recovery codes.

use crate::{new_id, now_ms, Result, Store, StoreError};
use rapport_core::{DisplayName, Email, Pronouns, Role, TimeZoneName, UserId};
use std::str::FromStr;

/// An account as the rest of the product sees it: no secrets.
#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: UserId,
    #[serde(skip)]
    pub email: String,
    pub display_name: String,
    pub pronouns: Option<String>,
    pub time_zone: String,
    pub role: Role,
    pub email_verified_at: Option<i64>,
    pub totp_enabled_at: Option<i64>,
    pub created_at: i64,
    pub erased_at: Option<i64>,
    /// When the therapist turned the empathy coach on (it is off by default).
    pub coach_enabled_at: Option<i64>,
}

impl User {
    pub fn mfa_enabled(&self) -> bool {
        self.totp_enabled_at.is_some()
    }
    pub fn time_zone(&self) -> TimeZoneName {
        TimeZoneName::parse(&self.time_zone).unwrap_or_default()
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: String,
    email: String,
    display_name: String,
    pronouns: Option<String>,
    time_zone: String,
    role: String,
    email_verified_at: Option<i64>,
    totp_enabled_at: Option<i64>,
    created_at: i64,
    erased_at: Option<i64>,
    coach_enabled_at: Option<i64>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: UserId(r.id),
            email: r.email,
            display_name: r.display_name,
            pronouns: r.pronouns,
            time_zone: r.time_zone,
            // The CHECK constraint keeps the column to the three names.
            role: Role::from_str(&r.role).unwrap_or(Role::Client),
            email_verified_at: r.email_verified_at,
            totp_enabled_at: r.totp_enabled_at,
            created_at: r.created_at,
            erased_at: r.erased_at,
            coach_enabled_at: r.coach_enabled_at,
        }
    }
}

const USER_COLUMNS: &str = "id, email, display_name, pronouns, time_zone, role, \
     email_verified_at, totp_enabled_at, created_at, erased_at, coach_enabled_at";

/// The same columns qualified with `u.`, for joins.
pub(crate) const USER_COLUMNS_U: &str = "u.id, u.email, u.display_name, u.pronouns, u.time_zone, \
     u.role, u.email_verified_at, u.totp_enabled_at, u.created_at, u.erased_at, u.coach_enabled_at";

/// What sign-up (or an operator) supplies for a new account.
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub password_hash: String,
    pub display_name: &'a DisplayName,
    pub pronouns: &'a Pronouns,
    pub time_zone: &'a TimeZoneName,
    pub role: Role,
    pub email_verified: bool,
}

/// Login needs the hash alongside the account.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// The TOTP state a login or enrolment step needs. The seeds are sealed under the
/// operator's data key (table `users`, the user's id, field `totp`); the vault opens them.
pub struct TotpState {
    pub secret: Option<Vec<u8>>,
    pub pending: Option<Vec<u8>>,
    pub last_step: Option<i64>,
}

/// An account, read inside the caller's transaction (a transaction that writes must not
/// wait for a second connection: under load the pool's others may all be waiting for it).
pub async fn user_in(conn: &mut crate::Conn, id: &UserId) -> Result<Option<User>> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(User::from))
}

impl Store {
    pub async fn create_user(&self, new: NewUser<'_>) -> Result<User> {
        let now = now_ms();
        let id = new_id();
        sqlx::query(
            "INSERT INTO users (id, email, password_hash, display_name, pronouns, time_zone, role, \
             email_verified_at, password_changed_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9)",
        )
        .bind(&id)
        .bind(new.email.as_str())
        .bind(&new.password_hash)
        .bind(new.display_name.as_str())
        .bind(new.pronouns.as_deref())
        .bind(new.time_zone.as_str())
        .bind(new.role.as_str())
        .bind(new.email_verified.then_some(now))
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(|e| StoreError::unique(e, "email"))?;
        self.user(&UserId(id)).await?.ok_or(StoreError::NotFound)
    }

    pub async fn user(&self, id: &UserId) -> Result<Option<User>> {
        let mut conn = self.pool().acquire().await?;
        user_in(&mut conn, id).await
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
        ))
        .bind(email.as_str())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(User::from))
    }

    pub async fn credentials_by_email(&self, email: &Email) -> Result<Option<Credentials>> {
        let Some(user) = self.user_by_email(email).await? else {
            return Ok(None);
        };
        let password_hash = self.password_hash(&user.id).await?;
        Ok(Some(Credentials {
            user,
            password_hash,
        }))
    }

    pub async fn password_hash(&self, id: &UserId) -> Result<String> {
        let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(hash)
    }

    pub async fn set_password_hash(&self, id: &UserId, hash: &str) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "UPDATE users SET password_hash = $2, password_changed_at = $3, updated_at = $3 WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(hash)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn update_profile(
        &self,
        id: &UserId,
        name: &DisplayName,
        pronouns: &Pronouns,
        tz: &TimeZoneName,
    ) -> Result<User> {
        sqlx::query(
            "UPDATE users SET display_name = $2, pronouns = $3, time_zone = $4, updated_at = $5 WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(name.as_str())
        .bind(pronouns.as_deref())
        .bind(tz.as_str())
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        self.user(id).await?.ok_or(StoreError::NotFound)
    }

    /// A therapist's name as others see it: with their verified credential (`None` if
    /// `id` is not a therapist's live account).
    pub async fn clinician_name(&self, id: &UserId) -> Result<Option<String>> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT t.display_name, (SELECT MIN(l.license_type) FROM licenses l \
             WHERE l.therapist_id = t.id AND l.status = 'verified') \
             FROM users t WHERE t.id = $1 AND t.role = 'therapist' AND t.erased_at IS NULL",
        )
        .bind(id.as_str())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(name, credential)| {
            rapport_core::directory::clinician_label(&name, credential.as_deref())
        }))
    }

    pub async fn mark_email_verified(&self, id: &UserId) -> Result<()> {
        sqlx::query(
            "UPDATE users SET email_verified_at = $2, updated_at = $2 WHERE id = $1 AND email_verified_at IS NULL",
        )
        .bind(id.as_str())
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn totp_state(&self, id: &UserId) -> Result<TotpState> {
        let (secret, pending, last_step): (Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>) =
            sqlx::query_as(
                "SELECT totp_secret_sealed, totp_pending_sealed, totp_last_step FROM users WHERE id = $1",
            )
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(TotpState {
            secret,
            pending,
            last_step,
        })
    }

    /// Stores a (sealed) secret offered for enrolment; it is not active until confirmed
    /// by a code.
    pub async fn set_totp_pending(&self, id: &UserId, sealed: &[u8]) -> Result<()> {
        sqlx::query("UPDATE users SET totp_pending_sealed = $2, updated_at = $3 WHERE id = $1")
            .bind(id.as_str())
            .bind(sealed)
            .bind(now_ms())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Activates the pending secret and replaces the recovery codes, in one transaction.
    pub async fn enable_totp(
        &self,
        id: &UserId,
        step: i64,
        recovery_code_hashes: &[String],
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE users SET totp_secret_sealed = totp_pending_sealed, totp_pending_sealed = NULL, \
             totp_enabled_at = $2, totp_last_step = $3, updated_at = $2 \
             WHERE id = $1 AND totp_pending_sealed IS NOT NULL",
        )
        .bind(id.as_str())
        .bind(now)
        .bind(step)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        for hash in recovery_code_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(id.as_str())
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records that a TOTP time step was used; false if it (or a later one) already was,
    /// which stops a code from being replayed within its 30-second window.
    pub async fn claim_totp_step(&self, id: &UserId, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $2 WHERE id = $1 \
             AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(id.as_str())
        .bind(step)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn disable_totp(&self, id: &UserId) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE users SET totp_secret_sealed = NULL, totp_pending_sealed = NULL, totp_enabled_at = NULL, \
             totp_last_step = NULL, updated_at = $2 WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Spends a recovery code; true if it existed and was unused.
    pub async fn use_recovery_code(&self, id: &UserId, code_hash: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(id.as_str())
        .bind(code_hash)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn recovery_codes_left(&self, id: &UserId) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(id.as_str())
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }

    /// Turns the empathy coach on or off for a therapist.
    pub async fn set_coach_enabled(&self, id: &UserId, on: bool) -> Result<()> {
        let now = now_ms();
        sqlx::query("UPDATE users SET coach_enabled_at = $2, updated_at = $3 WHERE id = $1")
            .bind(id.as_str())
            .bind(on.then_some(now))
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Accounts for the admin console, newest first.
    pub async fn list_users(&self, limit: i64, offset: i64) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"
        ))
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    pub async fn count_users(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(self.pool())
            .await?;
        Ok(n)
    }
}

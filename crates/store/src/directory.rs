//! The therapist directory: profiles, licenses and their verification history, and
//! search (filters plus free text: FTS5 on SQLite, tsvector on PostgreSQL).

use crate::{new_id, now_ms, Backend, Result, Store, StoreError};
use rapport_core::UserId;

/// Codes stored as " a b c " so that `LIKE '% b %'` finds one, on both backends.
fn codes(list: &[String]) -> String {
    format!(" {} ", list.join(" "))
}

fn uncodes(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// A therapist's public profile (with their account's name and pronouns).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Profile {
    pub user_id: String,
    pub display_name: String,
    pub pronouns: Option<String>,
    pub time_zone: String,
    pub short_intro: String,
    pub long_intro: String,
    pub first_session: String,
    pub modalities: Vec<String>,
    pub specialties: Vec<String>,
    pub populations: Vec<String>,
    pub languages: Vec<String>,
    pub formats: Vec<String>,
    pub insurance: Vec<String>,
    pub fee_cents: i64,
    pub sliding_scale: bool,
    pub office_hours: String,
    pub reply_within_hours: i64,
    #[serde(skip)]
    pub gender: Option<String>,
    #[serde(skip)]
    pub faith: Option<String>,
    #[serde(skip)]
    pub cultural_background: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    user_id: String,
    display_name: String,
    pronouns: Option<String>,
    time_zone: String,
    short_intro: String,
    long_intro: String,
    first_session: String,
    modalities: String,
    specialties: String,
    populations: String,
    languages: String,
    formats: String,
    insurance: String,
    fee_cents: i64,
    sliding_scale: i64,
    office_hours: String,
    reply_within_hours: i64,
    gender: Option<String>,
    faith: Option<String>,
    cultural_background: Option<String>,
}

impl From<ProfileRow> for Profile {
    fn from(r: ProfileRow) -> Self {
        Profile {
            user_id: r.user_id,
            display_name: r.display_name,
            pronouns: r.pronouns,
            time_zone: r.time_zone,
            short_intro: r.short_intro,
            long_intro: r.long_intro,
            first_session: r.first_session,
            modalities: uncodes(&r.modalities),
            specialties: uncodes(&r.specialties),
            populations: uncodes(&r.populations),
            languages: uncodes(&r.languages),
            formats: uncodes(&r.formats),
            insurance: r
                .insurance
                .split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            fee_cents: r.fee_cents,
            sliding_scale: r.sliding_scale != 0,
            office_hours: r.office_hours,
            reply_within_hours: r.reply_within_hours,
            gender: r.gender,
            faith: r.faith,
            cultural_background: r.cultural_background,
        }
    }
}

#[derive(sqlx::FromRow)]
struct CountedRow {
    #[sqlx(flatten)]
    profile: ProfileRow,
    total_count: i64,
}

const PROFILE_COLUMNS: &str = "p.user_id, u.display_name, u.pronouns, u.time_zone, p.short_intro, p.long_intro, \
    p.first_session, p.modalities, p.specialties, p.populations, p.languages, p.formats, p.insurance, p.fee_cents, \
    p.sliding_scale, p.office_hours, p.reply_within_hours, p.gender, p.faith, p.cultural_background";

/// What a therapist edits (already validated by the caller).
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub short_intro: String,
    pub long_intro: String,
    pub first_session: String,
    pub modalities: Vec<String>,
    pub specialties: Vec<String>,
    pub populations: Vec<String>,
    pub languages: Vec<String>,
    pub formats: Vec<String>,
    pub insurance: Vec<String>,
    pub fee_cents: i64,
    pub sliding_scale: bool,
    pub office_hours: String,
    pub reply_within_hours: i64,
    pub gender: Option<String>,
    pub faith: Option<String>,
    pub cultural_background: Option<String>,
}

/// A license as stored.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct License {
    pub id: String,
    pub therapist_id: String,
    pub license_type: String,
    pub number: String,
    pub country: String,
    pub region: Option<String>,
    /// ISO dates (YYYY-MM-DD).
    pub issued_on: String,
    pub expires_on: String,
    /// pending, verified or rejected.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    /// How it was verified, or the reason it was rejected.
    pub method: Option<String>,
    pub note: Option<String>,
    pub created_at: i64,
}

const LICENSE_COLUMNS: &str =
    "id, therapist_id, license_type, number, country, region, issued_on, expires_on, \
    status, decided_by, decided_at, method, note, created_at";

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct LicenseChange {
    pub status: String,
    pub actor_id: Option<String>,
    pub note: Option<String>,
    pub at: i64,
}

pub struct NewLicense<'a> {
    pub license_type: &'a str,
    pub number: &'a str,
    pub country: &'a str,
    pub region: Option<&'a str>,
    pub issued_on: &'a str,
    pub expires_on: &'a str,
}

/// Search filters; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub specialty: Option<String>,
    pub modality: Option<String>,
    pub language: Option<String>,
    pub population: Option<String>,
    pub format: Option<String>,
    pub insurance: Option<String>,
    pub fee_min_cents: Option<i64>,
    pub fee_max_cents: Option<i64>,
    pub sliding_scale: bool,
    pub pronouns: Option<String>,
    pub lowest_fee_first: bool,
    pub limit: i64,
    pub offset: i64,
    /// Today's date (YYYY-MM-DD): licenses count while today is before their expiry.
    pub today: String,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// The words of a free-text query (letters and digits only), at most eight.
pub fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .take(8)
        .collect()
}

impl Store {
    pub async fn save_profile(
        &self,
        user: &UserId,
        display_name: &str,
        p: &ProfileInput,
    ) -> Result<()> {
        let search_text = format!("{display_name} {} {}", p.short_intro, p.long_intro);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO therapist_profiles (user_id, short_intro, long_intro, first_session, modalities, specialties, \
             populations, languages, formats, insurance, fee_cents, sliding_scale, office_hours, reply_within_hours, \
             gender, faith, cultural_background, search_text, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
             ON CONFLICT (user_id) DO UPDATE SET short_intro = $2, long_intro = $3, first_session = $4, modalities = $5, \
             specialties = $6, populations = $7, languages = $8, formats = $9, insurance = $10, fee_cents = $11, \
             sliding_scale = $12, office_hours = $13, reply_within_hours = $14, gender = $15, faith = $16, \
             cultural_background = $17, search_text = $18, updated_at = $19",
        )
        .bind(user.as_str())
        .bind(&p.short_intro)
        .bind(&p.long_intro)
        .bind(&p.first_session)
        .bind(codes(&p.modalities))
        .bind(codes(&p.specialties))
        .bind(codes(&p.populations))
        .bind(codes(&p.languages))
        .bind(codes(&p.formats))
        .bind(p.insurance.join("|"))
        .bind(p.fee_cents)
        .bind(p.sliding_scale as i64)
        .bind(&p.office_hours)
        .bind(p.reply_within_hours)
        .bind(&p.gender)
        .bind(&p.faith)
        .bind(&p.cultural_background)
        .bind(&search_text)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if self.backend() == Backend::Sqlite {
            sqlx::query("DELETE FROM therapist_search WHERE user_id = $1")
                .bind(user.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO therapist_search (user_id, body) VALUES ($1, $2)")
                .bind(user.as_str())
                .bind(&search_text)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn profile(&self, user: &UserId) -> Result<Option<Profile>> {
        let row: Option<ProfileRow> = sqlx::query_as(&format!(
            "SELECT {PROFILE_COLUMNS} FROM therapist_profiles p JOIN users u ON u.id = p.user_id WHERE p.user_id = $1"
        ))
        .bind(user.as_str())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(Profile::from))
    }

    pub async fn add_license(&self, therapist: &UserId, l: NewLicense<'_>) -> Result<License> {
        let id = new_id();
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO licenses (id, therapist_id, license_type, number, country, region, issued_on, expires_on, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9)",
        )
        .bind(&id)
        .bind(therapist.as_str())
        .bind(l.license_type)
        .bind(l.number)
        .bind(l.country)
        .bind(l.region)
        .bind(l.issued_on)
        .bind(l.expires_on)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        history(
            &mut tx,
            &id,
            "pending",
            Some(therapist.as_str()),
            Some("submitted"),
        )
        .await?;
        tx.commit().await?;
        self.license(&id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn license(&self, id: &str) -> Result<Option<License>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {LICENSE_COLUMNS} FROM licenses WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn licenses_of(&self, therapist: &UserId) -> Result<Vec<License>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {LICENSE_COLUMNS} FROM licenses WHERE therapist_id = $1 ORDER BY created_at, id"
        ))
        .bind(therapist.as_str())
        .fetch_all(self.pool())
        .await?)
    }

    /// Licenses waiting for an admin, oldest first.
    pub async fn pending_licenses(&self) -> Result<Vec<License>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {LICENSE_COLUMNS} FROM licenses WHERE status = 'pending' ORDER BY created_at, id"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// Records an admin's decision; `method` says how it was verified or why it was rejected.
    pub async fn decide_license(
        &self,
        id: &str,
        admin: &UserId,
        verified: bool,
        method: &str,
        note: Option<&str>,
    ) -> Result<License> {
        let status = if verified { "verified" } else { "rejected" };
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE licenses SET status = $2, decided_by = $3, decided_at = $4, method = $5, note = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(admin.as_str())
        .bind(now_ms())
        .bind(method)
        .bind(note)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        history(
            &mut tx,
            id,
            status,
            Some(admin.as_str()),
            Some(&format!(
                "{method}{}",
                note.map(|n| format!(": {n}")).unwrap_or_default()
            )),
        )
        .await?;
        tx.commit().await?;
        self.license(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn license_history(&self, id: &str) -> Result<Vec<LicenseChange>> {
        Ok(sqlx::query_as("SELECT status, actor_id, note, at FROM license_history WHERE license_id = $1 ORDER BY at, id")
            .bind(id)
            .fetch_all(self.pool())
            .await?)
    }

    /// Verified licenses still counting on `today` that expire on or before `by`.
    pub async fn licenses_expiring(&self, today: &str, by: &str) -> Result<Vec<License>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {LICENSE_COLUMNS} FROM licenses WHERE status = 'verified' AND expires_on > $1 AND expires_on <= $2 ORDER BY expires_on, id"
        ))
        .bind(today)
        .bind(by)
        .fetch_all(self.pool())
        .await?)
    }

    /// Claims the `days` reminder for a license; false if it was already sent.
    pub async fn claim_license_reminder(&self, license: &str, days: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO license_reminders (license_id, days, sent_at) VALUES ($1, $2, $3) ON CONFLICT (license_id, days) DO NOTHING",
        )
        .bind(license)
        .bind(days)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_location(
        &self,
        user: &UserId,
        country: &str,
        region: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET location_country = $2, location_region = $3, updated_at = $4 WHERE id = $1")
            .bind(user.as_str())
            .bind(country)
            .bind(region)
            .bind(now_ms())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn location(&self, user: &UserId) -> Result<Option<(String, Option<String>)>> {
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT location_country, location_region FROM users WHERE id = $1")
                .bind(user.as_str())
                .fetch_optional(self.pool())
                .await?;
        Ok(row.and_then(|(c, r)| c.map(|c| (c, r))))
    }

    /// Listed therapists matching `q` (only those with a license that counts today), and
    /// how many match in all.
    pub async fn search_therapists(&self, q: &SearchQuery) -> Result<(Vec<Profile>, i64)> {
        let mut binds = vec![Bind::Text(q.today.clone())];
        let n = |b: Bind, binds: &mut Vec<Bind>| {
            binds.push(b);
            format!("${}", binds.len())
        };
        // Listed means a license that counts today; with a location, one that counts there.
        // Written as IN (licenses ...) so both engines drive the query from the licenses
        // index instead of scanning every profile.
        let place = match &q.country {
            Some(c) => {
                let c = n(Bind::Text(c.clone()), &mut binds);
                let region = match &q.region {
                    Some(r) => format!(
                        "(region IS NULL OR region = {})",
                        n(Bind::Text(r.clone()), &mut binds)
                    ),
                    None => "region IS NULL".to_string(),
                };
                format!(" AND country = {c} AND {region}")
            }
            None => String::new(),
        };
        let mut clauses = vec![
            format!("p.user_id IN (SELECT therapist_id FROM licenses WHERE status = 'verified' AND expires_on > $1{place})"),
            "u.erased_at IS NULL".to_string(),
        ];
        for (column, value) in [
            ("specialties", &q.specialty),
            ("modalities", &q.modality),
            ("languages", &q.language),
            ("populations", &q.population),
            ("formats", &q.format),
        ] {
            if let Some(v) = value {
                let p = n(Bind::Text(format!("% {v} %")), &mut binds);
                clauses.push(format!("p.{column} LIKE {p}"));
            }
        }
        if let Some(ins) = &q.insurance {
            let p = n(Bind::Text(format!("%{}%", ins.to_lowercase())), &mut binds);
            clauses.push(format!("LOWER(p.insurance) LIKE {p}"));
        }
        if let Some(min) = q.fee_min_cents {
            clauses.push(format!("p.fee_cents >= {}", n(Bind::Int(min), &mut binds)));
        }
        if let Some(max) = q.fee_max_cents {
            clauses.push(format!("p.fee_cents <= {}", n(Bind::Int(max), &mut binds)));
        }
        if q.sliding_scale {
            clauses.push("p.sliding_scale = 1".into());
        }
        if let Some(pr) = &q.pronouns {
            clauses.push(format!(
                "LOWER(u.pronouns) = {}",
                n(Bind::Text(pr.to_lowercase()), &mut binds)
            ));
        }
        let words = q.text.as_deref().map(search_words).unwrap_or_default();
        let mut rank: Option<String> = None;
        let mut fts_join = String::new();
        if !words.is_empty() {
            match self.backend() {
                Backend::Sqlite => {
                    let query = words
                        .iter()
                        .map(|w| format!("\"{w}\""))
                        .collect::<Vec<_>>()
                        .join(" ");
                    let p = n(Bind::Text(query), &mut binds);
                    // The full-text match runs once, as a joined table, with its rank.
                    fts_join = format!(
                        " JOIN (SELECT user_id AS fts_id, bm25(therapist_search) AS fts_rank FROM therapist_search \
                         WHERE therapist_search MATCH {p}) f ON f.fts_id = p.user_id"
                    );
                    rank = Some("(-f.fts_rank)".to_string());
                }
                Backend::Postgres => {
                    let p = n(Bind::Text(words.join(" ")), &mut binds);
                    clauses.push(format!(
                        "to_tsvector('simple', p.search_text) @@ plainto_tsquery('simple', {p})"
                    ));
                    rank = Some(format!("ts_rank(to_tsvector('simple', p.search_text), plainto_tsquery('simple', {p}))"));
                }
            }
        }
        let filter = clauses.join(" AND ");
        // Best match is the text rank when there is text; otherwise (and to break ties) fee.
        let order = match (&rank, q.lowest_fee_first) {
            (Some(rank), false) => format!("{rank} DESC, p.fee_cents ASC, p.user_id ASC"),
            _ => "p.fee_cents ASC, u.display_name ASC, p.user_id ASC".to_string(),
        };
        let limit = n(Bind::Int(q.limit), &mut binds);
        let offset = n(Bind::Int(q.offset), &mut binds);
        let from = format!("FROM therapist_profiles p JOIN users u ON u.id = p.user_id{fts_join}");
        // The total rides along as a window count, so a page costs one query, not two.
        let list_sql = format!(
            "SELECT {PROFILE_COLUMNS}, COUNT(*) OVER () AS total_count {from} WHERE {filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        let count_sql = format!("SELECT COUNT(*) {from} WHERE {filter}");
        let mut list = sqlx::query_as::<_, CountedRow>(&list_sql);
        for b in &binds {
            list = match b {
                Bind::Text(t) => list.bind(t.clone()),
                Bind::Int(i) => list.bind(*i),
            };
        }
        let rows = list.fetch_all(self.pool()).await?;
        if let Some(first) = rows.first() {
            let total = first.total_count;
            return Ok((
                rows.into_iter().map(|r| Profile::from(r.profile)).collect(),
                total,
            ));
        }
        // An empty page (or past the end): count separately. Every bind but LIMIT and
        // OFFSET (always the last two) applies.
        let mut count = sqlx::query_as::<_, (i64,)>(&count_sql);
        for b in &binds[..binds.len() - 2] {
            count = match b {
                Bind::Text(t) => count.bind(t.clone()),
                Bind::Int(i) => count.bind(*i),
            };
        }
        let (total,) = count.fetch_one(self.pool()).await?;
        Ok((Vec::new(), total))
    }
}

async fn history(
    conn: &mut sqlx::AnyConnection,
    license: &str,
    status: &str,
    actor: Option<&str>,
    note: Option<&str>,
) -> Result<()> {
    // Changes within one millisecond must still sort in the order they happened.
    let (last,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(at) FROM license_history WHERE license_id = $1")
            .bind(license)
            .fetch_one(&mut *conn)
            .await?;
    let at = now_ms().max(last.map_or(0, |l| l + 1));
    sqlx::query(
        "INSERT INTO license_history (id, license_id, status, actor_id, note, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(license)
    .bind(status)
    .bind(actor)
    .bind(note)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

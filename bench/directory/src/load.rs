//! Writes generated therapists to a store: in bulk (multi-row INSERTs of 100 rows through
//! the store's test-only `raw_execute`, the same columns and the same FTS5 rows as the
//! store's own methods write), or, for the equivalence check, through `save_profile`,
//! `add_license` and `decide_license`. The store runs raw SQL only outside transactions, so
//! each multi-row INSERT commits on its own.

use crate::gen::{uuid, GenTherapist};
use anyhow::Result;
use rand::rngs::StdRng;
use rapport_core::UserId;
use rapport_store::directory::NewLicense;
use rapport_store::raw::Bind;
use rapport_store::{Backend, Store};

/// A value for a multi-row INSERT.
enum Val {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
}

/// One multi-row INSERT per chunk of `rows`, each its own statement (and transaction).
async fn insert_rows(
    store: &Store,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    const CHUNK: usize = 100;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Val>> = rows.by_ref().take(CHUNK).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut binds = Vec::with_capacity(chunk.len() * columns.len());
        for (r, row) in chunk.into_iter().enumerate() {
            debug_assert_eq!(row.len(), columns.len());
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (c, v) in row.into_iter().enumerate() {
                if c > 0 {
                    sql.push_str(", ");
                }
                let bind = match v {
                    Val::Text(s) | Val::OptText(Some(s)) => Bind::Text(s),
                    Val::Int(i) | Val::OptInt(Some(i)) => Bind::Int(i),
                    Val::OptText(None) => Bind::Null,
                    // A bound NULL is typed as text, and PostgreSQL keeps the types a
                    // statement was first prepared with; so a missing number is spelled out.
                    Val::OptInt(None) => {
                        sql.push_str("NULL");
                        continue;
                    }
                };
                binds.push(bind);
                sql.push_str(&format!("${}", binds.len()));
            }
            sql.push(')');
        }
        store.raw_execute(&sql, &binds).await?;
    }
    Ok(())
}

fn codes(list: &[String]) -> String {
    format!(" {} ", list.join(" "))
}

fn user_row(
    id: &str,
    email: &str,
    name: &str,
    pronouns: Option<&str>,
    tz: &str,
    role: &str,
    at: i64,
) -> Vec<Val> {
    // The columns `Store::create_user` writes.
    vec![
        Val::Text(id.into()),
        Val::Text(email.into()),
        Val::Text("x".into()),
        Val::Text(name.into()),
        Val::OptText(pronouns.map(str::to_string)),
        Val::Text(tz.into()),
        Val::Text(role.into()),
        Val::OptInt(Some(at)),
        Val::Int(at),
        Val::Int(at),
        Val::Int(at),
    ]
}

const USER_COLUMNS: &[&str] = &[
    "id",
    "email",
    "password_hash",
    "display_name",
    "pronouns",
    "time_zone",
    "role",
    "email_verified_at",
    "password_changed_at",
    "created_at",
    "updated_at",
];

/// The admin who decides licenses (inserted as `create_user` would).
pub async fn insert_admin(store: &Store, id: &str, now_ms: i64) -> Result<()> {
    let row = user_row(
        id,
        "admin@bench.rapport.localhost",
        "Bench Admin",
        None,
        "UTC",
        "admin",
        now_ms,
    );
    insert_rows(store, "users", USER_COLUMNS, vec![row]).await
}

/// Writes a batch of therapists with multi-row INSERTs: the same rows `create_user`,
/// `save_profile`, `add_license` and `decide_license` would write.
pub async fn insert_bulk(
    store: &Store,
    admin: &str,
    batch: &[GenTherapist],
    ids: &mut StdRng,
) -> Result<()> {
    let mut users = vec![];
    let mut profiles = vec![];
    let mut search = vec![];
    let mut licenses = vec![];
    let mut history = vec![];
    for t in batch {
        users.push(user_row(
            &t.id,
            &t.email,
            &t.display_name,
            t.pronouns,
            t.time_zone,
            "therapist",
            t.created_at,
        ));
        let p = &t.profile;
        let search_text = format!("{} {} {}", t.display_name, p.short_intro, p.long_intro);
        profiles.push(vec![
            Val::Text(t.id.clone()),
            Val::Text(p.short_intro.clone()),
            Val::Text(p.long_intro.clone()),
            Val::Text(p.first_session.clone()),
            Val::Text(codes(&p.modalities)),
            Val::Text(codes(&p.specialties)),
            Val::Text(codes(&p.populations)),
            Val::Text(codes(&p.languages)),
            Val::Text(codes(&p.formats)),
            Val::Text(p.insurance.join("|")),
            Val::Int(p.fee_cents),
            Val::Int(i64::from(p.sliding_scale)),
            Val::Text(p.office_hours.clone()),
            Val::Int(p.reply_within_hours),
            Val::OptText(p.gender.clone()),
            Val::OptText(p.faith.clone()),
            Val::OptText(p.cultural_background.clone()),
            Val::Text(search_text.clone()),
            Val::Int(t.created_at),
        ]);
        search.push(vec![Val::Text(t.id.clone()), Val::Text(search_text)]);
        for l in &t.licenses {
            let (status, decided_by, decided_at, method, note) = match &l.decision {
                None => ("pending", None, None, None, None),
                Some((ok, method, note)) => (
                    if *ok { "verified" } else { "rejected" },
                    Some(admin.to_string()),
                    Some(l.decided_at),
                    Some(method.clone()),
                    note.clone(),
                ),
            };
            licenses.push(vec![
                Val::Text(l.id.clone()),
                Val::Text(t.id.clone()),
                Val::Text(l.license_type.into()),
                Val::Text(l.number.clone()),
                Val::Text(l.country.into()),
                Val::OptText(l.region.map(str::to_string)),
                Val::Text(l.issued_on.clone()),
                Val::Text(l.expires_on.clone()),
                Val::Text(status.into()),
                Val::OptText(decided_by),
                Val::OptInt(decided_at),
                Val::OptText(method.clone()),
                Val::OptText(note.clone()),
                Val::Int(l.created_at),
            ]);
            history.push(vec![
                Val::Text(uuid(ids)),
                Val::Text(l.id.clone()),
                Val::Text("pending".into()),
                Val::OptText(Some(t.id.clone())),
                Val::OptText(Some("submitted".into())),
                Val::Int(l.created_at),
            ]);
            if let Some(method) = method {
                let note = format!(
                    "{method}{}",
                    note.map(|n| format!(": {n}")).unwrap_or_default()
                );
                history.push(vec![
                    Val::Text(uuid(ids)),
                    Val::Text(l.id.clone()),
                    Val::Text(status.into()),
                    Val::OptText(Some(admin.to_string())),
                    Val::OptText(Some(note)),
                    Val::Int(l.decided_at),
                ]);
            }
        }
    }
    insert_rows(store, "users", USER_COLUMNS, users).await?;
    insert_rows(
        store,
        "therapist_profiles",
        &[
            "user_id",
            "short_intro",
            "long_intro",
            "first_session",
            "modalities",
            "specialties",
            "populations",
            "languages",
            "formats",
            "insurance",
            "fee_cents",
            "sliding_scale",
            "office_hours",
            "reply_within_hours",
            "gender",
            "faith",
            "cultural_background",
            "search_text",
            "updated_at",
        ],
        profiles,
    )
    .await?;
    if store.backend() == Backend::Sqlite {
        insert_rows(store, "therapist_search", &["user_id", "body"], search).await?;
    }
    insert_rows(
        store,
        "licenses",
        &[
            "id",
            "therapist_id",
            "license_type",
            "number",
            "country",
            "region",
            "issued_on",
            "expires_on",
            "status",
            "decided_by",
            "decided_at",
            "method",
            "note",
            "created_at",
        ],
        licenses,
    )
    .await?;
    insert_rows(
        store,
        "license_history",
        &["id", "license_id", "status", "actor_id", "note", "at"],
        history,
    )
    .await
}

/// Writes therapists one by one through the store's own methods (for the check).
pub async fn insert_via_store(store: &Store, admin: &str, batch: &[GenTherapist]) -> Result<()> {
    for t in batch {
        let row = user_row(
            &t.id,
            &t.email,
            &t.display_name,
            t.pronouns,
            t.time_zone,
            "therapist",
            t.created_at,
        );
        insert_rows(store, "users", USER_COLUMNS, vec![row]).await?;
        let user = UserId(t.id.clone());
        store
            .save_profile(&user, &t.display_name, &t.profile)
            .await?;
        for l in &t.licenses {
            let stored = store
                .add_license(
                    &user,
                    NewLicense {
                        license_type: l.license_type,
                        number: &l.number,
                        country: l.country,
                        region: l.region,
                        issued_on: &l.issued_on,
                        expires_on: &l.expires_on,
                    },
                )
                .await?;
            if let Some((ok, method, note)) = &l.decision {
                store
                    .decide_license(
                        &stored.id,
                        &UserId(admin.to_string()),
                        *ok,
                        method,
                        note.as_deref(),
                    )
                    .await?;
            }
        }
    }
    Ok(())
}

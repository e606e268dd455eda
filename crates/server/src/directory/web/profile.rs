//! The therapist's profile form.

use crate::directory::profiles::{self, ProfileBody};
use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::forms::NoticeQuery;
use crate::platform::layout::render;
use crate::platform::layout::{FormErrors, PageCtx};
use crate::platform::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::directory::{languages, Modality, Population, SessionFormat, Specialty};

pub struct Group {
    pub name: &'static str,
    pub legend: &'static str,
    pub options: Vec<(&'static str, &'static str, bool)>,
}

/// The form's values as text, for re-display.
#[derive(Default)]
pub struct Values {
    pub short_intro: String,
    pub long_intro: String,
    pub first_session: String,
    pub fee: String,
    pub sliding_scale: bool,
    pub insurance: String,
    pub office_hours: String,
    pub reply_within_hours: String,
    pub gender: String,
    pub faith: String,
    pub cultural_background: String,
}

#[derive(Template)]
#[template(path = "directory/profile_edit.html")]
pub struct ProfileEditPage {
    pub ctx: PageCtx,
    pub notice: Option<&'static str>,
    pub errors: FormErrors,
    pub v: Values,
    pub groups: Vec<Group>,
}

fn groups(b: &ProfileBody) -> Vec<Group> {
    let has = |list: &[String], code: &str| list.iter().any(|c| c == code);
    vec![
        Group {
            name: "specialties",
            legend: "What you help with",
            options: Specialty::ALL
                .iter()
                .map(|s| (s.as_str(), s.label(), has(&b.specialties, s.as_str())))
                .collect(),
        },
        Group {
            name: "modalities",
            legend: "Your approaches",
            options: Modality::ALL
                .iter()
                .map(|s| (s.as_str(), s.label(), has(&b.modalities, s.as_str())))
                .collect(),
        },
        Group {
            name: "populations",
            legend: "Who you see",
            options: Population::ALL
                .iter()
                .map(|s| (s.as_str(), s.label(), has(&b.populations, s.as_str())))
                .collect(),
        },
        Group {
            name: "languages",
            legend: "Languages you offer therapy in",
            options: languages()
                .iter()
                .map(|(c, n)| (*c, *n, has(&b.languages, c)))
                .collect(),
        },
        Group {
            name: "formats",
            legend: "Session formats",
            options: SessionFormat::ALL
                .iter()
                .map(|s| (s.as_str(), s.label(), has(&b.formats, s.as_str())))
                .collect(),
        },
    ]
}

fn page(
    ctx: PageCtx,
    notice: Option<&'static str>,
    errors: FormErrors,
    b: &ProfileBody,
    raw_fee: String,
    raw_reply: String,
) -> ProfileEditPage {
    ProfileEditPage {
        ctx,
        notice,
        errors,
        groups: groups(b),
        v: Values {
            short_intro: b.short_intro.clone(),
            long_intro: b.long_intro.clone(),
            first_session: b.first_session.clone(),
            fee: raw_fee,
            sliding_scale: b.sliding_scale,
            insurance: b.insurance.join(", "),
            office_hours: b.office_hours.clone(),
            reply_within_hours: raw_reply,
            gender: b.gender.clone().unwrap_or_default(),
            faith: b.faith.clone().unwrap_or_default(),
            cultural_background: b.cultural_background.clone().unwrap_or_default(),
        },
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let b = match state.store.profile(&actor.user.id).await? {
        Some(p) => ProfileBody {
            short_intro: p.short_intro,
            long_intro: p.long_intro,
            first_session: p.first_session,
            modalities: p.modalities,
            specialties: p.specialties,
            populations: p.populations,
            languages: p.languages,
            formats: p.formats,
            insurance: p.insurance,
            fee: p.fee_cents / 100,
            sliding_scale: p.sliding_scale,
            office_hours: p.office_hours,
            reply_within_hours: p.reply_within_hours,
            gender: p.gender,
            faith: p.faith,
            cultural_background: p.cultural_background,
        },
        None => ProfileBody {
            fee: 120,
            reply_within_hours: 24,
            ..Default::default()
        },
    };
    let notice = (q.notice.as_deref() == Some("saved")).then_some("Saved.");
    let (fee, reply) = (b.fee.to_string(), b.reply_within_hours.to_string());
    Ok(render(&page(ctx, notice, FormErrors::default(), &b, fee, reply))?.into_response())
}

/// Reads the form by hand: checkbox groups repeat their name, which serde forms cannot.
pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    body: Bytes,
) -> AppResult<Response> {
    let mut b = ProfileBody::default();
    let (mut fee, mut reply) = (String::new(), String::new());
    for (k, v) in url::form_urlencoded::parse(&body) {
        let v = v.into_owned();
        match k.as_ref() {
            "short_intro" => b.short_intro = v,
            "long_intro" => b.long_intro = v,
            "first_session" => b.first_session = v,
            "specialties" => b.specialties.push(v),
            "modalities" => b.modalities.push(v),
            "populations" => b.populations.push(v),
            "languages" => b.languages.push(v),
            "formats" => b.formats.push(v),
            "insurance" => {
                b.insurance = v
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }
            "fee" => fee = v,
            "sliding_scale" => b.sliding_scale = true,
            "office_hours" => b.office_hours = v,
            "reply_within_hours" => reply = v,
            "gender" => b.gender = Some(v),
            "faith" => b.faith = Some(v),
            "cultural_background" => b.cultural_background = Some(v),
            _ => {}
        }
    }
    let mut extra = Vec::new();
    b.fee = fee.trim().parse().unwrap_or_else(|_| {
        extra.push(rapport_core::Invalid::new(
            "fee",
            "Enter the fee as a whole number, such as 120.",
        ));
        0
    });
    b.reply_within_hours = reply.trim().parse().unwrap_or_else(|_| {
        extra.push(rapport_core::Invalid::new(
            "reply_within_hours",
            "Enter a number of hours, such as 24.",
        ));
        24
    });
    let parsed = profiles::parse(&b);
    let result = match (parsed, extra.is_empty()) {
        (Ok(input), true) => Ok(input),
        (Ok(_), false) => Err(AppError::Fields(extra)),
        (Err(AppError::Fields(mut e)), _) => {
            e.extend(extra);
            Err(AppError::Fields(e))
        }
        (Err(e), _) => Err(e),
    };
    match result {
        Ok(input) => {
            state
                .store
                .save_profile(&actor.user.id, &actor.user.display_name, &input)
                .await?;
            Ok(Redirect::to("/therapist/profile?notice=saved").into_response())
        }
        Err(e @ AppError::Fields(_)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&page(ctx, None, FormErrors::from_error(&e), &b, fee, reply))?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

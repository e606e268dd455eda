//! The home page and the crisis lines of many countries, for everyone.

use crate::platform::error::AppResult;
use crate::platform::forms::NoticeQuery;
use crate::platform::layout::{render, PageCtx};
use askama::Template;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};

/// Short, fixed notices shown on the home page after a redirect.
fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "signed-out" => "You are signed out.",
        "erased" => "Your account has been erased. Thank you for trusting Rapport with your care.",
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "home/home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
    pub notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "home/crisis.html")]
pub struct CrisisPage {
    pub ctx: PageCtx,
    pub lines: &'static [(&'static str, &'static str, &'static str)],
}

pub async fn home(ctx: PageCtx, Query(q): Query<NoticeQuery>) -> AppResult<Response> {
    Ok(render(&HomePage {
        ctx,
        notice: notice(q.notice.as_deref()),
    })?
    .into_response())
}

/// National crisis lines, for the page linked from every footer.
const CRISIS_LINES: &[(&str, &str, &str)] = &[
    (
        "United States",
        "988 Suicide & Crisis Lifeline",
        "Call or text 988, or chat at 988lifeline.org",
    ),
    (
        "Canada",
        "9-8-8 Suicide Crisis Helpline",
        "Call or text 988",
    ),
    (
        "United Kingdom and Ireland",
        "Samaritans",
        "Call 116 123 (free, 24 hours)",
    ),
    (
        "Australia",
        "Lifeline",
        "Call 13 11 14 or text 0477 13 11 14",
    ),
    ("New Zealand", "Need to talk?", "Call or text 1737"),
    (
        "Germany",
        "TelefonSeelsorge",
        "Call 0800 111 0 111 or 0800 111 0 222",
    ),
    (
        "France",
        "Numéro national de prévention du suicide",
        "Call 3114",
    ),
    (
        "Netherlands",
        "113 Zelfmoordpreventie",
        "Call 113 or 0800 0113",
    ),
    ("Spain", "Línea 024", "Call 024"),
    ("India", "Tele-MANAS", "Call 14416 or 1-800-891-4416"),
    (
        "South Africa",
        "SADAG Suicide Crisis Line",
        "Call 0800 567 567",
    ),
    ("Brazil", "CVV", "Call 188"),
    ("Japan", "Inochi no Denwa", "Call 0570-783-556"),
];

pub async fn crisis(ctx: PageCtx) -> AppResult<Response> {
    Ok(render(&CrisisPage {
        ctx,
        lines: CRISIS_LINES,
    })?
    .into_response())
}

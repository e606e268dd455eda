//! The therapist's practice page for the reply coach.

use crate::coach::service::{self as coach, FeedbackView, EXAMPLES};
use crate::platform::auth::Actor;
use crate::platform::error::AppResult;
use crate::platform::forms::WebForm;
use crate::platform::layout::render;
use crate::platform::layout::PageCtx;
use crate::platform::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "coach/coach.html")]
pub struct CoachPage {
    pub ctx: PageCtx,
    pub enabled: bool,
    pub examples: &'static [(&'static str, &'static str)],
    pub selected_example: Option<usize>,
    pub client_message: String,
    pub draft: String,
    pub feedback: Option<FeedbackView>,
}

impl CoachPage {
    pub fn is_selected(&self, i: usize) -> bool {
        self.selected_example == Some(i)
    }
}

pub async fn page(ctx: PageCtx, actor: Actor) -> AppResult<Response> {
    Ok(render(&CoachPage {
        ctx,
        enabled: actor.user.coach_enabled_at.is_some(),
        examples: EXAMPLES,
        selected_example: None,
        client_message: String::new(),
        draft: String::new(),
        feedback: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    example: String,
    #[serde(default)]
    client_message: String,
    #[serde(default)]
    draft: String,
}

pub async fn check(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    WebForm(f): WebForm<CheckForm>,
) -> AppResult<Response> {
    if coach::require_enabled(&actor).is_err() {
        // The page itself explains the opt-in.
        return Ok(Redirect::to("/coach").into_response());
    }
    let selected = f
        .example
        .parse::<usize>()
        .ok()
        .filter(|i| *i < EXAMPLES.len());
    // Picking an example fills in the client's message when none was typed.
    let client_message = match (selected, f.client_message.trim().is_empty()) {
        (Some(i), true) => EXAMPLES[i].1.to_string(),
        _ => f.client_message,
    };
    let feedback = if f.draft.trim().is_empty() {
        None
    } else {
        let fb = coach::review(&state, client_message.clone(), f.draft.clone()).await?;
        Some(coach::view(&f.draft, &fb))
    };
    Ok(render(&CoachPage {
        ctx,
        enabled: true,
        examples: EXAMPLES,
        selected_example: selected,
        client_message,
        draft: f.draft,
        feedback,
    })?
    .into_response())
}

pub async fn opt_in(State(state): State<AppState>, actor: Actor) -> AppResult<Response> {
    state.store.set_coach_enabled(&actor.user.id, true).await?;
    Ok(Redirect::to("/coach").into_response())
}

pub async fn opt_out(State(state): State<AppState>, actor: Actor) -> AppResult<Response> {
    state.store.set_coach_enabled(&actor.user.id, false).await?;
    Ok(Redirect::to("/coach").into_response())
}

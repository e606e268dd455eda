//! The mails of care relationships, queued in the same transaction as the change: a new
//! contact request (to the therapist), and every answer or ending (to the other side).
//! They never carry what anyone wrote, only that something happened and where to read it.

use crate::platform::error::AppResult;
use crate::platform::mail::queue_in;
use crate::platform::state::AppState;
use rapport_core::care::CareEvent;
use rapport_store::users::User;
use rapport_store::Tx;

/// To the therapist: a client wrote from the directory.
pub async fn contact_requested(
    state: &AppState,
    tx: &mut Tx,
    therapist: &User,
    care_id: &str,
    consultation: bool,
) -> AppResult<()> {
    let link = state.config.link(&format!("/care/{care_id}"));
    let what = if consultation {
        "asks for a free consultation"
    } else {
        "has a question for you"
    };
    let body = format!(
        "Hello {name},\n\nA client found you in the Rapport directory and {what}.\n\n\
         Read it and accept or decline here: {link}\n\n\
         What they wrote stays in Rapport: it is not in this e-mail.",
        name = therapist.display_name,
    );
    queue_in(state, tx, &therapist.email, "A new contact request", body).await
}

/// To the other side: the relationship changed.
pub async fn changed(
    state: &AppState,
    tx: &mut Tx,
    to: &User,
    by_name: &str,
    care_id: &str,
    event: CareEvent,
) -> AppResult<()> {
    let link = state.config.link(&format!("/care/{care_id}"));
    let (subject, what) = match event {
        CareEvent::Accepted => (
            "Your request was accepted",
            format!("{by_name} accepted your request. You can now book a session."),
        ),
        CareEvent::Declined => (
            "An answer to your request",
            format!(
                "{by_name} is not able to take on your request. The directory can show you other therapists who may be a good fit."
            ),
        ),
        CareEvent::Withdrawn => (
            "A contact request was withdrawn",
            format!("{by_name} took back their contact request."),
        ),
        CareEvent::Ended => (
            "Care has ended",
            format!(
                "{by_name} ended your care relationship in Rapport. Sessions still booked between you have been cancelled."
            ),
        ),
        CareEvent::ContactRequested | CareEvent::Booked => return Ok(()),
    };
    let body = format!(
        "Hello {name},\n\n{what}\n\nDetails, and any note they left, are in Rapport: {link}",
        name = to.display_name,
    );
    queue_in(state, tx, &to.email, subject, body).await
}

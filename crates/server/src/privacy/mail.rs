//! The mails of privacy: emergency access to a client's records, to the client and to
//! their therapists. The reason is never mailed: it may be clinical.

use crate::platform::error::AppResult;
use crate::platform::mail::queue_in;
use crate::platform::state::AppState;
use rapport_store::users::User;
use rapport_store::Tx;

pub async fn emergency_access_client(
    state: &AppState,
    tx: &mut Tx,
    client: &User,
    admin_name: &str,
    until: &str,
) -> AppResult<()> {
    let link = state.config.link("/privacy");
    let body = format!(
        "Hello {name},\n\nAn administrator, {admin_name}, has been given emergency access to your records until {until}.\n\n\
         Sign in to see the reason they gave and everything they open, on your privacy page: {link}\n\n\
         If you have questions, contact your therapist or the practice.",
        name = client.display_name
    );
    queue_in(
        state,
        tx,
        &client.email,
        "Emergency access to your Rapport records",
        body,
    )
    .await
}

pub async fn emergency_access_therapist(
    state: &AppState,
    tx: &mut Tx,
    therapist: &User,
    client_name: &str,
    admin_name: &str,
) -> AppResult<()> {
    let body = format!(
        "Hello {name},\n\nAn administrator, {admin_name}, has been given emergency access to the records of one of your clients, {client_name}.\n\n\
         The reason is kept in Rapport, not in e-mail, because it may be clinical. The client has been told. Every access is recorded in the client's access log.",
        name = therapist.display_name
    );
    queue_in(
        state,
        tx,
        &therapist.email,
        "Emergency access to a client's records",
        body,
    )
    .await
}

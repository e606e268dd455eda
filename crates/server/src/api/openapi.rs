//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use super::{accounts, admin, coach, consents, directory, schedule};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Rapport API", description = "Accounts and sessions of Rapport, the open platform for online therapy. Errors are RFC 9457 problem+json. Send `Authorization: Bearer <token>` with a personal API token, or use the browser session cookie together with the `X-CSRF-Token` header on state-changing requests."),
    paths(
        accounts::sign_up, accounts::verify_email, accounts::log_in, accounts::complete_mfa,
        accounts::log_out, accounts::sign_out_everywhere, accounts::me, accounts::update_me,
        accounts::change_password, accounts::request_reset, accounts::reset_password,
        accounts::begin_totp, accounts::confirm_totp, accounts::list_tokens, accounts::create_token,
        accounts::revoke_token, accounts::access_log, accounts::access_log_fhir, accounts::export_json, accounts::export_fhir,
        accounts::erasure_plan, accounts::erase, accounts::emergency_grants,
        consents::list, consents::sign, consents::withdraw,
        coach::review, coach::opt_in, coach::opt_out,
        directory::search, directory::profile, directory::my_licenses, directory::submit_license,
        directory::queue, directory::decide, directory::set_location, directory::save_profile, directory::find_matches,
        admin::users, admin::security_events, admin::grant_emergency,
        schedule::availability, schedule::book, schedule::mine, schedule::show, schedule::cancel,
        schedule::reschedule, schedule::presence, schedule::reliability,
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

pub async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

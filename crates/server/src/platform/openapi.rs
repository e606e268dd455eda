//! The OpenAPI 3.1 document: the platform's part (title, security schemes) merged with
//! each feature's paths, which are generated from the handlers' annotations.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Rapport API", description = "Rapport, the open platform for online therapy. Errors are RFC 9457 problem+json. Send `Authorization: Bearer <token>` with a personal API token, or use the browser session cookie together with the `X-CSRF-Token` header on state-changing requests."),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
)]
struct Base;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::platform::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// The whole document: the platform's part with every feature's paths merged in.
pub fn document(features: impl IntoIterator<Item = Document>) -> Document {
    let mut doc = Base::openapi();
    for part in features {
        doc.merge(part);
    }
    doc
}

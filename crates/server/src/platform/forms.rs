//! Reading input: URL-encoded forms for pages, JSON bodies and query strings for the API.
//! A malformed body becomes a clear 4xx (a page or a problem+json) that says what to fix.

use crate::platform::error::AppError;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// A URL-encoded form body; a malformed one becomes a 400 page that says what was wrong.
pub struct WebForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for WebForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(WebForm(v)),
            Err(rejection) => Err(rejection_error(rejection.status(), rejection.body_text())),
        }
    }
}

/// A JSON body. Wrong content type, malformed JSON, unknown or missing fields and
/// oversized bodies each become a 4xx problem that says what to fix.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(rejection_error(rejection.status(), rejection.body_text())),
        }
    }
}

/// A query string; unparseable parameters become a 400 problem naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(AppError::BadRequest(rejection.body_text())),
        }
    }
}

/// Maps an extractor rejection to an error with the extractor's own (safe) explanation.
pub fn rejection_error(status: StatusCode, text: String) -> AppError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(
            "The request body is larger than this endpoint accepts (64 KiB).".into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(
            "Send the body as JSON with the header Content-Type: application/json.".into(),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => {
            AppError::Invalid(rapport_core::Invalid::new("body", text))
        }
        _ => AppError::BadRequest(text),
    }
}

/// `?notice=code` after a redirect. Only codes travel in the URL, never text a person
/// typed; each page maps its codes to fixed sentences.
#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

/// `?token=…` of a link in an e-mail.
#[derive(serde::Deserialize, Default)]
pub struct TokenQuery {
    pub token: Option<String>,
}

/// Largest upload accepted (and the body limit of upload routes).
pub const UPLOAD_LIMIT: usize = 5 * 1024 * 1024;

/// The bytes of the named field of a multipart form.
pub async fn multipart_field(
    mut form: axum::extract::Multipart,
    name: &'static str,
) -> Result<Vec<u8>, AppError> {
    let too_large = || AppError::PayloadTooLarge("Upload a file under 5 MB.".into());
    while let Some(f) = form.next_field().await.map_err(|_| too_large())? {
        if f.name() == Some(name) {
            let bytes = f.bytes().await.map_err(|_| too_large())?;
            if bytes.is_empty() {
                break;
            }
            return Ok(bytes.to_vec());
        }
    }
    Err(AppError::Invalid(rapport_core::Invalid::new(
        name,
        "Choose a file to upload.",
    )))
}

//! The JSON API under `/api/v1`: the same operations as the web pages, for programs
//! (with personal bearer tokens) and browsers (with the session cookie and CSRF header).
//! Errors are RFC 9457 problem+json; the OpenAPI 3.1 document is generated from the code.

pub mod accounts;
pub mod admin;
pub mod coach;
pub mod consents;
pub mod directory;
pub mod openapi;
pub mod schedule;

use crate::error::AppError;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

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

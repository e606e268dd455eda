//! One error type for handlers. The API renders it as RFC 9457 problem+json and the web
//! as a friendly page; internals are logged with the request id and never shown.

use axum::http::StatusCode;
use rapport_core::Invalid;
use rapport_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input a person can fix; `field` names the form field or JSON member.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// Several field problems at once (forms show each beside its field).
    #[error("some fields need attention")]
    Fields(Vec<Invalid>),
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in to continue")]
    Unauthenticated,
    #[error("you do not have access to this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Refused for a reason the person should read (expired form, MFA not set up).
    #[error("{0}")]
    Refused(String),
    /// Wrong e-mail or password: one message for both, so neither is revealed.
    #[error("Incorrect e-mail or password.")]
    BadCredentials,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(what) => {
                AppError::Conflict(format!("That {what} is already taken."))
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) | AppError::Fields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Refused(_) => StatusCode::FORBIDDEN,
            AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a person sees: safe by construction (internal errors say nothing).
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => {
                "Something went wrong on our side. Nothing you entered was lost; please try again."
                    .into()
            }
            AppError::Fields(list) => list
                .iter()
                .map(|i| i.message.clone())
                .collect::<Vec<_>>()
                .join(" "),
            AppError::NotFound => "We could not find that page or record.".into(),
            AppError::Forbidden => "You do not have access to this.".into(),
            AppError::Unauthenticated => "Please sign in to continue.".into(),
            other => other.to_string(),
        }
    }

    pub fn field_errors(&self) -> Vec<FieldProblem> {
        match self {
            AppError::Invalid(i) => vec![FieldProblem::from(i)],
            AppError::Fields(list) => list.iter().map(FieldProblem::from).collect(),
            _ => Vec::new(),
        }
    }

    /// Logs what a person must not see; called once where the response is made.
    pub fn log(&self, request_id: &str) {
        if let AppError::Internal(e) = self {
            tracing::error!(request_id, error = %e, "internal error");
        }
    }

    pub fn title(&self) -> &'static str {
        match self.status() {
            StatusCode::BAD_REQUEST => "Bad request",
            StatusCode::UNAUTHORIZED => "Sign in required",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::CONFLICT => "Conflict",
            StatusCode::UNPROCESSABLE_ENTITY => "Please check your input",
            StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
            StatusCode::PAYLOAD_TOO_LARGE => "Too large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported content type",
            _ => "Something went wrong",
        }
    }
}

/// One invalid field in a problem+json body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl From<&Invalid> for FieldProblem {
    fn from(i: &Invalid) -> Self {
        Self {
            field: i.field.to_string(),
            message: i.message.clone(),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

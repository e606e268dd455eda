//! Rapport's domain: the types and rules of accounts and care, free of I/O.
//! Everything here is unit-tested without a database or a network.

pub mod account;
pub mod care;
pub mod directory;
pub mod ids;
pub mod password;
pub mod schedule;
pub mod time;

pub use account::{DisplayName, Email, Pronouns, Role, TimeZoneName};
pub use ids::{SessionId, TokenId, UserId};
pub use password::{NewPassword, PasswordProblem};

/// A value a user typed that does not fit: carries a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    /// The field this is about, as named in forms and JSON (`email`, `time_zone`).
    pub field: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

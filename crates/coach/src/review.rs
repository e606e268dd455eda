//! The coach as the product uses it: rules always, the learned model when the operator
//! configured one.

use crate::feedback::Feedback;
use crate::model::{Model, ModelError};
use crate::rules;
use std::path::Path;

/// Why empathy levels are missing without a model file.
pub const NO_MODEL: &str =
    "Empathy levels are unavailable: this server has no coach model configured \
(its training data is licensed for non-commercial research only, so none ships with Rapport). \
The listening markers and risks below still apply.";

/// Longest input the coach looks at, in bytes (about 1,500 words); longer text is cut on a
/// character boundary rather than refused, so a long draft still gets feedback.
pub const MAX_INPUT: usize = 10_000;

pub struct Coach {
    model: Option<Model>,
}

impl Coach {
    pub fn rules_only() -> Self {
        Self { model: None }
    }

    pub fn with_model(model: Model) -> Self {
        Self { model: Some(model) }
    }

    /// Loads the model file if one is given.
    pub fn load(model_file: Option<&Path>) -> Result<Self, ModelError> {
        Ok(match model_file {
            Some(path) => Self::with_model(Model::load(path)?),
            None => Self::rules_only(),
        })
    }

    pub fn has_model(&self) -> bool {
        self.model.is_some()
    }

    /// Reviews a draft reply to a client's message. Nothing is kept.
    pub fn review(&self, client_message: &str, draft: &str) -> Feedback {
        let client_message = cut(client_message);
        let draft = cut(draft);
        let mut findings = rules::find(client_message, draft);
        findings.sort_by_key(|f| (f.span.start, f.span.end));
        match &self.model {
            Some(m) => Feedback {
                empathy: Some(m.assess(client_message, draft)),
                empathy_unavailable: None,
                findings,
            },
            None => Feedback {
                empathy: None,
                empathy_unavailable: Some(NO_MODEL.into()),
                findings,
            },
        }
    }
}

fn cut(text: &str) -> &str {
    if text.len() <= MAX_INPUT {
        return text;
    }
    let mut end = MAX_INPUT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

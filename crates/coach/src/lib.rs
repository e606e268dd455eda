//! The empathy and active-listening coach: given a client's message and a therapist's
//! draft reply, it finds empathy mechanisms (EPITOME: emotional reactions,
//! interpretations, explorations), active-listening markers and risks to trust, each
//! with character spans and a concrete suggestion. It runs entirely in-process and
//! stores nothing.
//!
//! The rules (markers and risks) always run. Empathy levels need a learned model, which
//! is loaded only when the operator supplies a model file (the training data is licensed
//! for non-commercial research only, so no model ships with Rapport).

pub mod feedback;
pub mod model;
mod review;
pub mod rules;

pub use feedback::{EmpathyLevels, Feedback, Finding, FindingKind, Level, MechanismResult, Span};
pub use review::{Coach, MAX_INPUT, NO_MODEL};

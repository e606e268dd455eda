//! Placeholder: the rule-based markers and risks are written next.

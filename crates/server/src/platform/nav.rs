//! The main navigation as features offer it: each feature names its links and who sees
//! them; the layout shows those that fit the signed-in person, in order.

use rapport_core::Role;

/// Who a navigation link is for.
#[derive(Debug, Clone, Copy)]
pub enum Audience {
    /// Everyone, signed in or not.
    Everyone,
    /// Signed-in people in these roles.
    Roles(&'static [Role]),
}

/// A link a feature offers in the main navigation; links are shown in `order`.
#[derive(Debug, Clone, Copy)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub audience: Audience,
    pub order: u16,
}

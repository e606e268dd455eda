//! Identifier newtypes, so that an id of one kind cannot be passed as another.
//! Ids are opaque strings (UUIDs) stored as TEXT on both backends.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// An account: client, therapist or admin.
    UserId
);
id_type!(
    /// A server-side login session (the id, not the secret cookie token).
    SessionId
);
id_type!(
    /// A personal API token (the id, not the secret).
    TokenId
);

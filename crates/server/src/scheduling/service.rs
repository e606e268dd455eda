//! Scheduling as a service, as the pages and the API use it: availability as therapists
//! set it and slots as clients see them; booking, moving, cancelling and attending;
//! reliability; appointments' links and calendars. Every rule comes from
//! `rapport_core::schedule`.

pub use super::appointments::*;
pub use super::availability::*;
pub use super::booking::*;
pub use super::jobs::*;
pub use super::reliability::*;

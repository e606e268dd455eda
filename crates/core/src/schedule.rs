//! Scheduling: when a therapist can be booked, how appointments change, what a late
//! change is, how reliability is measured, and how sessions are written as iCalendar.
//! All of it is pure: the store supplies facts, these functions decide.

pub mod ics;
pub mod policy;
pub mod reliability;
pub mod slots;
pub mod zone;

pub use policy::{CancellationPolicy, Party};
pub use reliability::{AppointmentFacts, Reliability};
pub use slots::{Availability, DayOverride, SessionType, Span, Window};

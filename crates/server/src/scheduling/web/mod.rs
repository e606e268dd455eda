//! Scheduling pages: a therapist's availability settings, week calendar and
//! reliability; booking from a profile; a person's sessions and calendar feed; and each
//! appointment's page (join, leave, move, cancel, download).

pub mod appointment;
pub mod booking;
pub mod calendar;
pub mod forms;
pub mod reliability;
pub mod sessions;
pub mod settings;

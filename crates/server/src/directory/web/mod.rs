//! The directory's pages: search and public profiles, matching, a therapist's profile,
//! photo and licenses, and the admin's license queue.

pub mod credentials;
pub mod matching;
pub mod profile;
pub mod search;
pub mod uploads;

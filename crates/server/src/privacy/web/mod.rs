//! The privacy pages: the client's privacy centre and consents, and the admin's
//! emergency-access page.

pub mod consents;
pub mod emergency;
pub mod privacy;

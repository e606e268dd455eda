//! The pages of accounts: sign-up, sign-in and password reset for everyone
//! (`public`), account settings (`account`) and the admin's account console (`admin`);
//! their templates are in `pages`.

pub mod account;
pub mod admin;
pub mod pages;
pub mod public;

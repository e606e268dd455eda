//! Integration tests of the whole app through its router: one binary, a fresh database
//! per test (SQLite by default; PostgreSQL with RAPPORT_TEST_BACKEND=postgres).

mod accounts;
mod authz;
mod bad_input;
mod care;
mod coach;
mod consents;
mod directory;
mod emergency;
mod helpers;
mod house;
mod identity;
mod limits;
mod mail;
mod matching;
mod privacy;
mod scheduling;
mod shell;

//! The library half of the `rapport` command: what its subcommands share with tests —
//! the demo data (`rapport serve --demo`), which is not part of the server.

pub mod demo;

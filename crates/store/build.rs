//! Marks the build `rapport_pg` when RAPPORT_TEST_POSTGRES_URL is set (the rule shared by
//! every crate whose tests use `store_test!`), and rebuilds when a migration changes.
#[path = "../testkit/pg-cfg.rs"]
mod pg_cfg;

fn main() {
    pg_cfg::main();
    println!("cargo::rerun-if-changed=migrations");
}

//! Build script shared by the crates whose tests use `store_test!`: marks the build
//! `rapport_pg` when RAPPORT_TEST_POSTGRES_URL is set, so that the PostgreSQL half of each
//! store test is reported as "ignored" (with the reason) otherwise, never as passed.
pub fn main() {
    println!("cargo::rustc-check-cfg=cfg(rapport_pg)");
    println!("cargo::rerun-if-env-changed=RAPPORT_TEST_POSTGRES_URL");
    if std::env::var_os("RAPPORT_TEST_POSTGRES_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=rapport_pg");
    }
}

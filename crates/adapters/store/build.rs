//! `sqlx::migrate!` embeds the migration files at compile time; a new file must rebuild the crate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a build script: a failure stops the build with its message"
)]

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

//! `playhouse fair …`: thin wiring from arguments to the pure `fair` and `casino` crates.

/// `fair` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum FairCommand {}

/// Runs a subcommand (some stream raw bytes, so it writes stdout itself).
pub fn run(action: &FairCommand) -> Result<(), String> {
    match *action {}
}

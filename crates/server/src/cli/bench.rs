//! `playhouse bench …`: whole-system benchmarks that print JSON.

use super::Cli;

/// `bench` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {}

/// Runs a subcommand.
pub fn run(_cli: &Cli, action: &BenchCommand) -> Result<(), String> {
    match *action {}
}

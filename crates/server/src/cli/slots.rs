//! `playhouse slots …`: thin wiring from arguments and stdin to the pure `slots` crate.

use super::ToolOutput;

/// `slots` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SlotsCommand {}

/// Runs a subcommand.
pub fn run(action: &SlotsCommand) -> Result<ToolOutput, String> {
    match *action {}
}

//! `playhouse guandan …`: thin wiring from arguments and stdin to the pure `guandan` crate.

use super::ToolOutput;

/// `guandan` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum GuandanCommand {}

/// Runs a subcommand.
pub fn run(action: &GuandanCommand) -> Result<ToolOutput, String> {
    match *action {}
}

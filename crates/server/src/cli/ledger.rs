//! `playhouse ledger …`: ledger verification against a database.

use super::Cli;

/// `ledger` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum LedgerCommand {}

/// Runs a subcommand.
pub fn run(_cli: &Cli, action: &LedgerCommand) -> Result<(), String> {
    match *action {}
}

//! Pure functions behind `playhouse fair crash`: argument values in, the JSON to print out.

use serde_json::{Value, json};

/// A bad command-line argument; `Display` is one line naming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CliError(pub String);

/// Checks the seed arguments every stream-reading command shares, naming the bad one.
pub fn check_seeds(server_seed: &str, client_seed: &str) -> Result<(), CliError> {
    if server_seed.is_empty() {
        return Err(CliError("--server-seed must not be empty".to_owned()));
    }
    if client_seed.is_empty() {
        return Err(CliError("--client-seed must not be empty".to_owned()));
    }
    Ok(())
}

/// `playhouse fair crash --game-hash H --salt SALT`: `{"crash_point": 2.35, "raw": 2.3522…}`.
pub fn crash(game_hash: &str, salt: &str) -> Result<Value, CliError> {
    let is_hash = game_hash.len() == 64 && game_hash.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_hash {
        return Err(CliError(
            "--game-hash must be 64 hexadecimal characters".to_owned(),
        ));
    }
    if salt.is_empty() {
        return Err(CliError("--salt must not be empty".to_owned()));
    }
    let point = crate::crash::crash_point(game_hash, salt);
    Ok(json!({ "crash_point": point.shown(), "raw": point.raw }))
}

//! Client-causable failures of every game: bad parameters, bad stakes, illegal actions.

/// Why a bet or an action was refused. Broken invariants are assertions, not variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GameError {
    #[error("unknown game '{0}'")]
    UnknownGame(String),
    #[error("invalid params: {0}")]
    BadParams(String),
    #[error("stake must be at least 1 minor unit")]
    ZeroStake,
    #[error("stake {stake} does not equal the sum of the bets {sum}")]
    StakeMismatch { stake: u64, sum: u64 },
    #[error("payout does not fit in 64 bits")]
    PayoutOverflow,
    #[error("the round is over")]
    RoundOver,
    #[error("action not allowed now: {0}")]
    ActionNotAllowed(&'static str),
    #[error("tile {0} is not on the board or already revealed")]
    BadTile(u8),
}

impl GameError {
    pub(crate) fn params(message: impl Into<String>) -> GameError {
        GameError::BadParams(message.into())
    }
}

/// Deserialises a game's params type from JSON, mapping serde's message into `BadParams`.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    params: &serde_json::Value,
) -> Result<T, GameError> {
    T::deserialize(params).map_err(|e| GameError::params(e.to_string()))
}

/// A JSON number with at most two decimals as an integer count of hundredths.
pub(crate) fn hundredths(value: f64, name: &str) -> Result<u64, GameError> {
    let scaled = value * 100.0;
    let rounded = scaled.round();
    if !value.is_finite() || value < 0.0 || (scaled - rounded).abs() > 1e-6 || rounded > 1e15 {
        return Err(GameError::params(format!(
            "{name} must be a non-negative number with at most two decimals"
        )));
    }
    Ok(rounded as u64)
}

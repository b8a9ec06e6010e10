//! Self-play: drives complete matches with bots, for the simulator, the benchmarks and recorded replays.

use crate::bots::Bot;
use crate::card::{Seat, Team};
use crate::game::{Action, Match, Seed};
use crate::rules::Rules;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

/// Actions after which a match is abandoned as broken (a bound, never reached by legal play: every hand
/// ends within a few hundred actions and `hands_per_match_max` bounds the hands).
pub const MATCH_ACTIONS_MAX: u64 = 2_000_000;

/// Outcome of one simulated match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchOutcome {
    /// Winning team (`None`: draw by limit).
    pub winner: Option<Team>,
    /// Hands played.
    pub hands: u32,
    /// Bot decisions taken.
    pub decisions: u64,
    /// The action log (only when recording).
    pub actions: Vec<Action>,
    /// Final state hash.
    pub state_hash: String,
}

/// The action `bot` takes for `seat` now (for auto-play of an absent player), or `None` when the seat may
/// not act. Bots choose from the compact list.
pub fn bot_action(m: &Match, seat: Seat, bot: &dyn Bot, rng: &mut dyn RngCore) -> Option<Action> {
    let legal = m.compact_actions(seat);
    if legal.is_empty() {
        return None;
    }
    let i = bot.decide(&m.view(Some(seat)), &legal, rng);
    legal.get(i).or(legal.first()).copied()
}

/// The deal seed of game `game` of a simulation seeded with `seed`.
pub fn game_seed(seed: u64, game: u32) -> Seed {
    let mut s = Seed::from_u64(seed);
    s.0[8..12].copy_from_slice(&game.to_le_bytes());
    s
}

/// Plays one complete match. `bots[i]` plays seat `i`; bot randomness comes from `rng`.
pub fn play_match(
    seed: Seed,
    rules: Rules,
    bots: &[&dyn Bot; 4],
    rng: &mut ChaCha20Rng,
    record: bool,
) -> MatchOutcome {
    let (mut m, _) = Match::new(seed, rules);
    let mut decisions = 0u64;
    let mut actions = Vec::new();
    while m.phase() != crate::game::Phase::MatchOver && decisions < MATCH_ACTIONS_MAX {
        let awaiting = m.awaiting();
        let Some(&seat) = awaiting.first() else { break };
        let legal = m.compact_actions(seat);
        assert!(
            !legal.is_empty(),
            "an awaited seat always has a legal action"
        );
        let view = m.view(Some(seat));
        let i = bots[seat.index()].decide(&view, &legal, rng);
        let action = legal[i.min(legal.len() - 1)];
        let res = m.apply_mut(action);
        assert!(res.is_ok(), "generated actions are legal: {res:?}");
        if record {
            actions.push(action);
        }
        decisions += 1;
    }
    MatchOutcome {
        winner: m.winner(),
        hands: m.results.len() as u32,
        decisions,
        actions,
        state_hash: m.state_hash(),
    }
}

/// A bot RNG for game `game` of a simulation seeded with `seed` (independent of the deal stream).
pub fn bot_rng(seed: u64, game: u32) -> ChaCha20Rng {
    let mut s = game_seed(seed, game).0;
    s[31] ^= 0xB0;
    ChaCha20Rng::from_seed(s)
}

//! The rules configuration: one named field per point on which the sources disagree (rules note §2.13),
//! with the `official-2022` profile as the default and the AI-competition engine's choices as `competition`.

use serde::{Deserialize, Serialize};

/// Which cards a tribute receiver may return.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReturnLimit {
    /// [OFF22]: a card of natural rank 2..10 that is not a level card, to anyone; when no such card is
    /// held, the smallest card in level order (never a wild).
    TenOrLower,
    /// [OFF17]: the ≤10 limit applies only when returning to one's own partner; any card to an opponent.
    TenOrLowerToPartner,
    /// Pagat's base rule: any card.
    Any,
}

/// How the two tribute cards of a double tribute are assigned to the two winners.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DoubleTribute {
    /// [OFF22/OFF17]: the higher card goes to 头游, the lower to 二游; on equal cards 头游 takes the card
    /// of its next player (下家).
    HigherToFirst,
    /// Like `HigherToFirst`, but equal cards are assigned at random (唐人游/JJ).
    HigherToFirstRandomTies,
    /// OpenGuanDan: every payer pays the winner seated just before them, whatever the cards.
    BySeat,
}

/// Who leads after a double tribute whose two cards are equal.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EqualTributeLeader {
    /// [OFF22]: the payer whose card went to 头游.
    PayerToFirst,
    /// OpenGuanDan: the 末游.
    LastPlace,
}

/// Which finishes at a team's own A win the match.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PassAce {
    /// 1-2 or 1-3 (official, most sources).
    FirstAndNotLast,
    /// 1-2 only (the competition manual's wording).
    FirstAndSecond,
    /// Any 头游 (casual).
    AnyFirst,
}

/// Which failures at a team's own A count toward demotion.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AceFailureCount {
    /// Every hand played at the team's own A that the team does not win.
    EveryFailedAttempt,
    /// OpenGuanDan: only the declaring team's 1-4 finishes at its own A.
    OnlyFirstAndLast,
}

/// Where a team goes after too many failures at its own A.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AceDemotion {
    /// A fixed level: 2 (most sources) or K (a pagat variant).
    Level(crate::card::Rank),
    /// The opponents' current level (a pagat variant).
    OpponentLevel,
}

/// Which jokers give 抗贡 (tribute resistance).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AntiTribute {
    /// The paying side holds both big jokers (official).
    TwoBigJokers,
    /// The paying side holds any two jokers (casual).
    AnyTwoJokers,
}

/// Who takes the lead after a player goes out and nobody beats the final play (接风).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JiefengRecipient {
    /// The partner (official, everyone).
    Partner,
    /// The next active player (rare house rule).
    NextPlayer,
}

/// Who leads the first hand of a match.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FirstLeader {
    /// A seat drawn from the match's seeded RNG.
    Random,
    /// A fixed seat (0..4).
    Seat(u8),
}

/// The complete rules configuration. Every field is a point on which sources disagree. When deserialised,
/// missing fields take their `official-2022` values; unknown fields are refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// Profile name this configuration was built from (informational).
    pub profile: ProfileName,
    /// Return-card limit after tribute.
    pub return_limit: ReturnLimit,
    /// Double-tribute card assignment.
    pub double_tribute: DoubleTribute,
    /// Leader after a double tribute with equal cards.
    pub equal_tribute_leader: EqualTributeLeader,
    /// Which results at a team's own A win the match.
    pub pass_ace: PassAce,
    /// Failed attempts at the team's own A after which it drops back (`None`: never).
    pub ace_failures_max: Option<u8>,
    /// Which failures at A count.
    pub ace_failure_count: AceFailureCount,
    /// Where a team drops to after too many failures at A.
    pub ace_failure_demote_to: AceDemotion,
    /// Number of A→2 resets (by either team) after which the match is a draw (`None`: no limit).
    pub ace_resets_draw: Option<u16>,
    /// A triple plus a pair of identical jokers is a full house.
    pub joker_pair_full_house: bool,
    /// A one-suit run completed by a wild may also be played as a plain straight.
    pub wild_flush_as_straight: bool,
    /// Four jokers beat every bomb (false: bombs of 8+ cards beat four jokers, a pagat house rule).
    pub four_jokers_highest: bool,
    /// Jokers needed for 抗贡.
    pub anti_tribute: AntiTribute,
    /// Who takes the lead on 接风.
    pub jiefeng: JiefengRecipient,
    /// Leader of the first hand.
    pub first_leader: FirstLeader,
    /// Upgrades stop at A (false: overshooting A wins the match outright).
    pub cap_at_ace: bool,
    /// Hands after which an unfinished match ends as a draw: a safety limit so every match terminates.
    pub hands_per_match_max: u32,
}

/// Names of the built-in profiles.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileName {
    /// 2022 national trial rules with the online defaults of the rules note (§8).
    #[serde(rename = "official-2022")]
    Official2022,
    /// The AI-competition engine (OpenGuanDan).
    Competition,
    /// A configuration edited by hand.
    Custom,
}

impl Default for Rules {
    fn default() -> Self {
        Rules::official_2022()
    }
}

impl Rules {
    /// The default profile: [OFF22] with the rules note's §8 defaults.
    pub fn official_2022() -> Rules {
        Rules {
            profile: ProfileName::Official2022,
            return_limit: ReturnLimit::TenOrLower,
            double_tribute: DoubleTribute::HigherToFirst,
            equal_tribute_leader: EqualTributeLeader::PayerToFirst,
            pass_ace: PassAce::FirstAndNotLast,
            ace_failures_max: Some(3),
            ace_failure_count: AceFailureCount::EveryFailedAttempt,
            ace_failure_demote_to: AceDemotion::Level(crate::card::Rank::TWO),
            ace_resets_draw: None,
            joker_pair_full_house: true,
            wild_flush_as_straight: false,
            four_jokers_highest: true,
            anti_tribute: AntiTribute::TwoBigJokers,
            jiefeng: JiefengRecipient::Partner,
            first_leader: FirstLeader::Random,
            cap_at_ace: true,
            hands_per_match_max: 1_000,
        }
    }

    /// The AI-competition engine's choices (OpenGuanDan `table.py`, `types.py`, its Java move generator).
    pub fn competition() -> Rules {
        Rules {
            profile: ProfileName::Competition,
            double_tribute: DoubleTribute::BySeat,
            equal_tribute_leader: EqualTributeLeader::LastPlace,
            // OpenGuanDan resets on the 4th 1-4 finish at the declarer's own A (`stuck_times > 3`).
            ace_failures_max: Some(4),
            ace_failure_count: AceFailureCount::OnlyFirstAndLast,
            ace_resets_draw: Some(50),
            wild_flush_as_straight: true,
            ..Rules::official_2022()
        }
    }

    /// A built-in profile by name: `official-2022` (also `official` or `default`) or `competition`.
    pub fn profile(name: &str) -> Option<Rules> {
        match name {
            "official-2022" | "official" | "default" => Some(Rules::official_2022()),
            "competition" => Some(Rules::competition()),
            _ => None,
        }
    }
}

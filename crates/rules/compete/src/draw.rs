//! The provably fair ticket draw: winners drawn from a committed seed, re-runnable by anyone.
//!
//! Players earn tickets by play. Before the contest starts the platform draws a secret seed and
//! publishes its [`commitment`]; after the contest ends it reveals the seed, and anyone holding the
//! seed, the contest id and the final entries can re-run the draw and compare the winners
//! ([`verify`]). The published hash fixes the seed before any ticket exists, so it cannot be
//! picked afterwards to favour anyone; the seed stays secret until the end, so no player can aim
//! his play at it.
//!
//! # Specification (version 1)
//!
//! This section is normative: players and third parties reimplement it.
//!
//! **Inputs.** `seed`: a string (the platform uses 64 lowercase hex characters); `contest_id`: a
//! string; `entries`: a list of `(user_id, tickets)` pairs, `user_id` a signed 64-bit integer,
//! `tickets` an unsigned 64-bit integer; `winners`: how many places to draw (unsigned 32-bit).
//! Strings are used as their exact bytes (ASCII in practice); numbers are written in decimal,
//! without sign or leading zeros, when they appear in text.
//!
//! **Commitment.** `lowercase_hex(SHA-256(seed))`, the seed hashed as its ASCII text (not
//! hex-decoded); the same commitment as the instant games' server seeds.
//!
//! **Normalization.**
//! 1. Drop entries with 0 tickets.
//! 2. Merge entries with the same `user_id` into one, summing their tickets; a sum above
//!    `2^64 − 1` is `2^64 − 1` (saturating).
//! 3. Sort by `user_id` ascending (as signed integers).
//!
//! **Draws.** For `k = 0, 1, 2, …` (the draw for place `k + 1`), while `k < winners` and entries
//! remain:
//! 1. `T` = the sum of the remaining entries' tickets, exactly (it may exceed `2^64`).
//! 2. `H = HMAC-SHA256(key = seed as ASCII bytes, message = "{contest_id}:{k}:0")`; for example
//!    contest `spring-cup` and `k = 2` give the message `spring-cup:2:0`. This is round 0 of the
//!    provably fair byte stream with server seed = `seed`, client seed = `contest_id` and
//!    nonce = `k`.
//! 3. `x` = the first 8 bytes of `H` read as a big-endian unsigned integer (`0 ≤ x < 2^64`).
//! 4. The winning ticket is `t = floor(x × T / 2^64)` in exact integer arithmetic (`0 ≤ t < T`).
//!    `x × T` can exceed 128 bits when `T > 2^64`: use arbitrary precision (JavaScript `BigInt`)
//!    or split `T = T_hi × 2^64 + T_lo` and take `x × T_hi + floor(x × T_lo / 2^64)`.
//! 5. Walk the remaining entries in order: while `t` is at least the current entry's tickets,
//!    subtract them from `t` and move to the next entry. The entry reached owns the ticket.
//!    Equivalently, the entries own consecutive ticket ranges in order, the first entry tickets
//!    `0..tickets₀`, the next `tickets₀..tickets₀ + tickets₁`, and so on.
//! 6. Record `(place = k + 1, user_id = the owner, ticket = t)`, where `t` is the ticket number
//!    computed in step 4 (before the walk), and remove the owner from the entries: a player wins
//!    at most once.
//!
//! The result is the list of recorded winners in place order: `min(winners, number of players)`
//! of them.
//!
//! Each draw gives every remaining ticket the same chance, up to the `floor` mapping's rounding:
//! a ticket is hit by `floor(2^64 / T)` or `ceil(2^64 / T)` of the `2^64` values of `x`, so its
//! chance differs from `1 / T` by less than `2^−64`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::UserId;

/// One player's tickets in a draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The player.
    pub user_id: UserId,
    /// The tickets the player earned (entries with 0 are ignored).
    pub tickets: u64,
}

/// One drawn winner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Winner {
    /// The place, from 1 (the first draw).
    pub place: u32,
    /// The winner.
    pub user_id: UserId,
    /// The winning ticket number `t` among the tickets still in that draw (`0 ≤ t < T`).
    ///
    /// A `u128` because the ticket total `T` of several players can exceed `2^64`.
    pub ticket: u128,
}

/// SHA-256 of the seed's ASCII text, lowercase hex (the same commitment as the instant games'
/// server seeds).
pub fn commitment(seed: &str) -> String {
    hex::encode(Sha256::digest(seed.as_bytes()))
}

/// The entries after normalization: 0-ticket entries dropped, duplicate users merged (saturating
/// sum), sorted by user id ascending.
fn normalized(entries: &[Entry]) -> Vec<Entry> {
    let mut merged: BTreeMap<UserId, u64> = BTreeMap::new();
    for entry in entries.iter().filter(|e| e.tickets > 0) {
        let tickets = merged.entry(entry.user_id).or_insert(0);
        *tickets = tickets.saturating_add(entry.tickets);
    }
    merged
        .into_iter()
        .map(|(user_id, tickets)| Entry { user_id, tickets })
        .collect()
}

/// The draw's random value for draw `k`: the first 8 bytes of the fair stream, big-endian.
fn draw_value(seed: &str, contest_id: &str, k: u64) -> u64 {
    let mut bytes = [0u8; 8];
    fair::stream::ByteStream::new(seed, contest_id, k).fill(&mut bytes);
    u64::from_be_bytes(bytes)
}

/// `floor(x × total / 2^64)`, exact for every `total` (even beyond `2^64`).
fn scale(x: u64, total: u128) -> u128 {
    let x = u128::from(x);
    let high = total >> 64;
    let low = total & u128::from(u64::MAX);
    // `high` is below the number of entries, so `x × high < 2^64 × high` fits; and
    // `x × low < 2^128`. The result is below `total`; saturate regardless.
    x.saturating_mul(high).saturating_add((x * low) >> 64)
}

/// Draws up to `winners` distinct players, following the specification in the module doc.
///
/// Returns `min(winners, number of players with tickets)` winners in place order; none for empty
/// entries or `winners == 0`.
pub fn draw(seed: &str, contest_id: &str, entries: &[Entry], winners: u32) -> Vec<Winner> {
    let mut remaining = normalized(entries);
    let mut drawn = Vec::new();
    for place in 1..=winners {
        if remaining.is_empty() {
            break;
        }
        let total = remaining
            .iter()
            .fold(0u128, |sum, e| sum.saturating_add(u128::from(e.tickets)));
        let ticket = scale(draw_value(seed, contest_id, u64::from(place - 1)), total);
        let mut left = ticket;
        let mut owner = None;
        for (index, entry) in remaining.iter().enumerate() {
            let tickets = u128::from(entry.tickets);
            if left < tickets {
                owner = Some(index);
                break;
            }
            left -= tickets;
        }
        // `ticket < total` so an owner always exists; stop rather than panic if it did not.
        let Some(index) = owner else { break };
        let entry = remaining.remove(index);
        drawn.push(Winner {
            place,
            user_id: entry.user_id,
            ticket,
        });
    }
    drawn
}

/// Whether `seed` matches `commitment` and `draw(seed, …)` gives exactly `claimed`.
///
/// The draw is re-run for `claimed.len()` places, so a list cut short after a correct prefix
/// would pass: compare the number of winners with the count the contest declared (or the number
/// of players, if fewer) separately. The commitment is compared ignoring ASCII case.
pub fn verify(
    seed: &str,
    commitment: &str,
    contest_id: &str,
    entries: &[Entry],
    claimed: &[Winner],
) -> bool {
    if !self::commitment(seed).eq_ignore_ascii_case(commitment) {
        return false;
    }
    let Ok(winners) = u32::try_from(claimed.len()) else {
        return false;
    };
    draw(seed, contest_id, entries, winners) == claimed
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use proptest::prelude::*;

    /// An independent reimplementation of the spec with `hmac` and `sha2` directly (not `fair`):
    /// `(place, user_id, ticket)` triples.
    fn reference_draw(
        seed: &str,
        contest_id: &str,
        entries: &[(i64, u64)],
        winners: u32,
    ) -> Vec<(u32, i64, u128)> {
        // Normalize: sort by user, then fold runs of the same user.
        let mut sorted: Vec<(i64, u64)> = entries.iter().copied().filter(|e| e.1 != 0).collect();
        sorted.sort();
        let mut pool: Vec<(i64, u64)> = Vec::new();
        for (user, tickets) in sorted {
            match pool.last_mut() {
                Some(last) if last.0 == user => last.1 = last.1.saturating_add(tickets),
                _ => pool.push((user, tickets)),
            }
        }
        let mut out = Vec::new();
        let mut k: u64 = 0;
        while (out.len() as u64) < u64::from(winners) && !pool.is_empty() {
            let mut mac = Hmac::<Sha256>::new_from_slice(seed.as_bytes()).unwrap();
            mac.update(format!("{contest_id}:{k}:0").as_bytes());
            let digest = mac.finalize().into_bytes();
            let x = u64::from_be_bytes(digest[..8].try_into().unwrap());
            // Long multiplication of x by T in 32-bit limbs, then drop the low 64 bits.
            let total: u128 = pool.iter().map(|e| u128::from(e.1)).sum();
            let t_limbs = [
                total as u32,
                (total >> 32) as u32,
                (total >> 64) as u32,
                (total >> 96) as u32,
            ];
            let x_limbs = [x as u32, (x >> 32) as u32];
            let mut product = [0u64; 7];
            for (i, xl) in x_limbs.iter().enumerate() {
                let mut carry = 0u64;
                for (j, tl) in t_limbs.iter().enumerate() {
                    let cell = u64::from(*xl) * u64::from(*tl) + product[i + j] + carry;
                    product[i + j] = cell & 0xffff_ffff;
                    carry = cell >> 32;
                }
                product[i + 4] += carry;
            }
            let ticket = u128::from(product[2] as u32)
                | (u128::from(product[3] as u32) << 32)
                | (u128::from(product[4] as u32) << 64)
                | (u128::from(product[5] as u32) << 96);
            assert!(ticket < total);
            // Cumulative ranges: the owner is the first entry whose range end exceeds the ticket.
            let mut end: u128 = 0;
            let index = pool
                .iter()
                .position(|e| {
                    end += u128::from(e.1);
                    ticket < end
                })
                .unwrap();
            let (user, _) = pool.remove(index);
            out.push((k as u32 + 1, user, ticket));
            k += 1;
        }
        out
    }

    fn triples(winners: &[Winner]) -> Vec<(u32, i64, u128)> {
        winners
            .iter()
            .map(|w| (w.place, w.user_id, w.ticket))
            .collect()
    }

    fn entries_of(pairs: &[(i64, u64)]) -> Vec<Entry> {
        pairs
            .iter()
            .map(|&(user_id, tickets)| Entry { user_id, tickets })
            .collect()
    }

    /// A fixed vector: seed, contest id, entries `(user_id, tickets)`, winners asked, expected
    /// winners `(place, user_id, ticket)`. The expected winners were also computed by a
    /// third implementation (Python `hmac` with arbitrary-precision integers).
    struct Vector {
        seed: &'static str,
        contest_id: &'static str,
        entries: &'static [(i64, u64)],
        winners: u32,
        expected: &'static [(u32, i64, u128)],
    }

    const VECTORS: [Vector; 3] = [
        Vector {
            seed: "b7919656e0dedcd0800537d5d47a5314ba8c453f7768e00ad28501cc831eba6a",
            contest_id: "spring-cup-2025",
            entries: &[(101, 5), (102, 20), (103, 1), (104, 50), (105, 12)],
            winners: 3,
            expected: &[(1, 102, 20), (2, 104, 19), (3, 101, 1)],
        },
        Vector {
            seed: "5a5bd5eb8a966048fc7351f11ec1fa797dac417bdd9fd5eb1926769063a3f6fb",
            contest_id: "weekly-raffle-42",
            entries: &[(7, 10), (-3, 4), (7, 5), (12, 0), (42, 1000), (1, 1)],
            winners: 10,
            expected: &[(1, 42, 911), (2, 7, 5), (3, 1, 4), (4, -3, 2)],
        },
        Vector {
            seed: "95ad1862069917fcfc0e54f31475cb367d452bbce80b0e1c685d2c6a28a33387",
            contest_id: "whale-draw",
            entries: &[
                (3, u64::MAX),
                (1, u64::MAX),
                (2, 18_000_000_000_000_000_000),
                (4, 1),
            ],
            winners: 2,
            expected: &[
                (1, 2, 32_445_641_247_626_667_814),
                (2, 1, 4_637_192_556_496_453_173),
            ],
        },
    ];

    #[test]
    fn fixed_vectors() {
        for (n, v) in VECTORS.iter().enumerate() {
            let entries = entries_of(v.entries);
            let winners = draw(v.seed, v.contest_id, &entries, v.winners);
            // Printed for the TypeScript verifier's fixtures (`cargo test -- --nocapture`).
            println!("vector {}:", n + 1);
            println!("  seed       = {:?}", v.seed);
            println!("  commitment = {:?}", commitment(v.seed));
            println!("  contest_id = {:?}", v.contest_id);
            println!("  entries    = {:?}", v.entries);
            println!("  winners    = {}", v.winners);
            println!("  expected   = {:?}", triples(&winners));
            assert_eq!(triples(&winners), v.expected, "vector {}", n + 1);
            assert_eq!(
                reference_draw(v.seed, v.contest_id, v.entries, v.winners),
                v.expected
            );
            assert!(verify(
                v.seed,
                &commitment(v.seed),
                v.contest_id,
                &entries,
                &winners
            ));
        }
    }

    #[test]
    fn commitment_is_sha256_of_the_ascii_text() {
        // SHA-256("abc"), the FIPS 180-2 test vector.
        assert_eq!(
            commitment("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let seed = "0000000000000000000000000000000000000000000000000000000000000000";
        assert!(fair::seeds::verify_commitment(seed, &commitment(seed)));
    }

    #[test]
    fn draw_value_is_the_first_bytes_of_round_zero() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"some seed").unwrap();
        mac.update(b"cup-7:3:0");
        let digest = mac.finalize().into_bytes();
        let expected = u64::from_be_bytes(digest[..8].try_into().unwrap());
        assert_eq!(draw_value("some seed", "cup-7", 3), expected);
    }

    #[test]
    fn verify_refuses_tampering() {
        let v = &VECTORS[1];
        let entries = entries_of(v.entries);
        let winners = draw(v.seed, v.contest_id, &entries, v.winners);
        let hash = commitment(v.seed);
        assert!(winners.len() >= 2);
        assert!(verify(v.seed, &hash, v.contest_id, &entries, &winners));
        assert!(verify(
            v.seed,
            &hash.to_uppercase(),
            v.contest_id,
            &entries,
            &winners
        ));
        // A wrong seed: its hash is not the commitment, and it draws other winners anyway.
        let other = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
        assert!(!verify(other, &hash, v.contest_id, &entries, &winners));
        assert!(!verify(
            other,
            &commitment(other),
            v.contest_id,
            &entries,
            &winners
        ));
        // A wrong commitment.
        assert!(!verify(
            v.seed,
            &commitment("x"),
            v.contest_id,
            &entries,
            &winners
        ));
        assert!(!verify(v.seed, "", v.contest_id, &entries, &winners));
        // Tampered winner lists.
        let mut swapped = winners.clone();
        swapped[0].user_id = swapped[1].user_id;
        assert!(!verify(v.seed, &hash, v.contest_id, &entries, &swapped));
        let mut reordered = winners.clone();
        reordered.swap(0, 1);
        assert!(!verify(v.seed, &hash, v.contest_id, &entries, &reordered));
        let mut ticket = winners.clone();
        ticket[0].ticket += 1;
        assert!(!verify(v.seed, &hash, v.contest_id, &entries, &ticket));
        let mut extra = winners.clone();
        extra.push(Winner {
            place: extra.len() as u32 + 1,
            user_id: 424_242,
            ticket: 0,
        });
        assert!(!verify(v.seed, &hash, v.contest_id, &entries, &extra));
        // Another contest id or other entries give other winners.
        assert!(!verify(v.seed, &hash, "another", &entries, &winners));
        let mut more = entries.clone();
        more.push(Entry {
            user_id: -1,
            tickets: 1_000_000,
        });
        assert!(!verify(v.seed, &hash, v.contest_id, &more, &winners));
    }

    #[test]
    fn three_times_the_tickets_win_about_three_times_as_often() {
        let entries = [
            Entry {
                user_id: 1,
                tickets: 10,
            },
            Entry {
                user_id: 2,
                tickets: 30,
            },
            Entry {
                user_id: 3,
                tickets: 60,
            },
        ];
        let seed = commitment("distribution");
        let mut wins = [0u32; 3];
        let rounds = 6000;
        for round in 0..rounds {
            let contest_id = format!("contest-{round}");
            let winners = draw(&seed, &contest_id, &entries, 1);
            assert_eq!(winners.len(), 1);
            wins[(winners[0].user_id - 1) as usize] += 1;
        }
        // Expected 600, 1800, 3600: bounds far wider than the standard deviations (~23, 37, 38).
        let ratio = f64::from(wins[1]) / f64::from(wins[0]);
        assert!((2.5..3.5).contains(&ratio), "{wins:?}");
        assert!((3300..3900).contains(&wins[2]), "{wins:?}");
        // Second places: every player wins exactly once over a full draw.
        let all = draw(&seed, "full", &entries, 10);
        assert_eq!(all.len(), 3);
        let mut users: Vec<i64> = all.iter().map(|w| w.user_id).collect();
        users.sort();
        assert_eq!(users, [1, 2, 3]);
        assert_eq!(all.iter().map(|w| w.place).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert!(draw("s", "c", &[], 5).is_empty());
        let one = [Entry {
            user_id: 9,
            tickets: 1,
        }];
        assert!(draw("s", "c", &one, 0).is_empty());
        assert_eq!(
            draw("s", "c", &one, u32::MAX),
            [Winner {
                place: 1,
                user_id: 9,
                ticket: 0
            }]
        );
        let zero = [Entry {
            user_id: 9,
            tickets: 0,
        }];
        assert!(draw("s", "c", &zero, 3).is_empty());
        assert!(draw("", "", &one, 1).len() == 1);
        assert!(verify("s", &commitment("s"), "c", &[], &[]));
    }

    #[test]
    fn huge_ticket_counts() {
        let entries: Vec<Entry> = (1..=5)
            .map(|user_id| Entry {
                user_id,
                tickets: u64::MAX,
            })
            .chain([Entry {
                user_id: 3,
                tickets: u64::MAX,
            }])
            .collect();
        let winners = draw("huge", "cup", &entries, 10);
        assert_eq!(winners.len(), 5);
        let mut users: Vec<i64> = winners.iter().map(|w| w.user_id).collect();
        users.sort();
        assert_eq!(users, [1, 2, 3, 4, 5]);
        // The first draw's ticket is among 5 × (2^64 − 1) tickets.
        assert!(winners[0].ticket < 5 * u128::from(u64::MAX));
        let pairs: Vec<(i64, u64)> = entries.iter().map(|e| (e.user_id, e.tickets)).collect();
        assert_eq!(triples(&winners), reference_draw("huge", "cup", &pairs, 10));
        assert_eq!(
            scale(u64::MAX, 5 * u128::from(u64::MAX)),
            5 * u128::from(u64::MAX) - 5
        );
        assert_eq!(scale(0, u128::MAX), 0);
    }

    #[test]
    fn duplicate_entries_merge_and_order_does_not_matter() {
        let a = entries_of(&[(5, 3), (2, 1), (5, 4), (9, 0), (-7, 2)]);
        let b = entries_of(&[(-7, 2), (2, 1), (5, 7)]);
        assert_eq!(normalized(&a), b);
        for k in 0..20 {
            let id = format!("c{k}");
            assert_eq!(draw("seed", &id, &a, 3), draw("seed", &id, &b, 3));
        }
    }

    fn entries_strategy() -> impl Strategy<Value = Vec<(i64, u64)>> {
        proptest::collection::vec(
            (
                prop_oneof![-3i64..12, any::<i64>()],
                prop_oneof![0u64..50, any::<u64>(), Just(u64::MAX)],
            ),
            0..16,
        )
    }

    proptest! {
        #[test]
        fn draw_matches_the_independent_reimplementation(
            seed in "[0-9a-f]{0,64}",
            contest_id in "[ -~]{0,24}",
            pairs in entries_strategy(),
            winners in 0u32..20,
        ) {
            let entries = entries_of(&pairs);
            let drawn = draw(&seed, &contest_id, &entries, winners);
            prop_assert_eq!(triples(&drawn), reference_draw(&seed, &contest_id, &pairs, winners));
            let players = normalized(&entries).len();
            prop_assert_eq!(drawn.len(), players.min(winners as usize));
            prop_assert!(verify(&seed, &commitment(&seed), &contest_id, &entries, &drawn));
        }
    }

    /// The shared fixture (also read by the web client's verifier) agrees with `draw`.
    #[test]
    fn the_shared_fixture_matches() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/draw_vectors.json")).unwrap();
        let vectors = v["vectors"].as_array().unwrap();
        assert_eq!(vectors.len(), 3);
        for x in vectors {
            let entries: Vec<Entry> = x["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| Entry {
                    user_id: e[0].as_i64().unwrap(),
                    tickets: e[1].as_str().unwrap().parse().unwrap(),
                })
                .collect();
            let seed = x["seed"].as_str().unwrap();
            let contest = x["contest"].as_str().unwrap();
            let winners = u32::try_from(x["winners"].as_u64().unwrap()).unwrap();
            let got = draw(seed, contest, &entries, winners);
            let want: Vec<(u32, i64, u128)> = x["expected"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| {
                    (
                        u32::try_from(w[0].as_u64().unwrap()).unwrap(),
                        w[1].as_i64().unwrap(),
                        w[2].as_str().unwrap().parse().unwrap(),
                    )
                })
                .collect();
            assert_eq!(triples(&got), want, "{contest}");
            if let Some(c) = x["commitment"].as_str() {
                assert_eq!(commitment(seed), c);
                assert!(verify(seed, c, contest, &entries, &got));
            }
        }
    }
}

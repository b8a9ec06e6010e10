//! Criterion benchmarks of legal-move generation for a 27-card hand holding both wilds (leading), the
//! canonical list, the compact list, and one complete greedy self-play match.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark: a failed step stops it with its message"
)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use guandan::bots::{Bot, GreedyBot};
use guandan::movegen::{canonical, compact_moves, plays};
use guandan::{Card, Hand, Rules, sim};

/// A 27-card hand at level 2 with both wilds (H2 H2), pairs, triples, runs and jokers.
fn bench_hand() -> Hand {
    let codes = "H2 H2 S3 D3 C3 S4 D4 S5 H5 S6 C6 D7 S7 S8 H9 C9 ST DT SJ SQ HQ SK DA CA SB HR D9";
    let cards: Vec<Card> = codes.split_whitespace().filter_map(Card::parse).collect();
    assert_eq!(cards.len(), 27);
    Hand::from_cards(&cards).expect("valid hand")
}

fn movegen(c: &mut Criterion) {
    let h = bench_hand();
    let level = guandan::card::parse_rank("2").expect("rank");
    let rules = Rules::default();
    let comp = Rules::competition();
    eprintln!(
        "{{\"full_moves\":{},\"full_moves_competition\":{},\"canonical\":{},\"compact\":{}}}",
        plays(&h, level, None, &rules).len(),
        plays(&h, level, None, &comp).len(),
        canonical(&h, level, &rules).len(),
        compact_moves(&h, level, None, &rules).len()
    );
    c.bench_function("full_list_27_cards_two_wilds", |b| {
        b.iter(|| plays(black_box(&h), level, None, &rules))
    });
    c.bench_function("full_list_27_cards_two_wilds_competition", |b| {
        b.iter(|| plays(black_box(&h), level, None, &comp))
    });
    c.bench_function("canonical_list_27_cards_two_wilds", |b| {
        b.iter(|| canonical(black_box(&h), level, &rules))
    });
    c.bench_function("compact_list_27_cards_two_wilds", |b| {
        b.iter(|| compact_moves(black_box(&h), level, None, &rules))
    });
}

fn selfplay(c: &mut Criterion) {
    let g = GreedyBot;
    let bots: [&dyn Bot; 4] = [&g, &g, &g, &g];
    let mut game = 0u32;
    c.bench_function("greedy_selfplay_match", |b| {
        b.iter(|| {
            game += 1;
            let mut rng = sim::bot_rng(1, game);
            sim::play_match(
                sim::game_seed(1, game),
                Rules::default(),
                &bots,
                &mut rng,
                false,
            )
            .hands
        })
    });
}

criterion_group!(benches, movegen, selfplay);
criterion_main!(benches);

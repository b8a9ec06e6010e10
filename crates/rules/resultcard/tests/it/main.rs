//! Result card tests: the bytes are a valid PNG of the promised size, identical for identical input, and
//! no name (Chinese, emoji, control characters, very long) makes rendering fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed step fails the test with its message"
)]

use proptest::prelude::*;
use resultcard::{Card, HEIGHT, Player, WIDTH, render};

fn card(names: [&str; 4]) -> Card {
    Card {
        match_id: 7_205_759_403_792_793_600,
        rules: "official-2022".into(),
        kind: "ranked".into(),
        seats: names.map(|n| Player {
            name: n.into(),
            bot: n.starts_with("Bot"),
        }),
        winning_team: 1,
        final_levels: ["9".into(), "A".into()],
        finish_order: vec![1, 3, 0, 2],
        hands_played: 14,
        ended_at_ms: 1_763_719_240_000,
    }
}

/// Decodes PNG bytes into (width, height, RGB pixels).
fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn decodes_with_the_expected_size() {
    let bytes = render(&card(["Alice", "Bob", "Carol", "Bot Dave"]));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let (w, h, pixels) = decode(&bytes);
    assert_eq!((w, h), (WIDTH, HEIGHT));
    assert_eq!(pixels.len(), (WIDTH * HEIGHT * 3) as usize);
    // Something was drawn: more than the background and panel colours.
    let mut colours = std::collections::BTreeSet::new();
    for px in pixels.chunks(3) {
        colours.insert([px[0], px[1], px[2]]);
    }
    assert!(colours.len() >= 5, "{colours:?}");
}

#[test]
fn same_input_same_bytes_and_different_input_different_bytes() {
    let a = render(&card(["Alice", "Bob", "Carol", "Dave"]));
    let b = render(&card(["Alice", "Bob", "Carol", "Dave"]));
    assert_eq!(a, b);
    let c = render(&card(["Alice", "Bob", "Carol", "Eve"]));
    assert_ne!(a, c);
    let mut winner_a = card(["Alice", "Bob", "Carol", "Dave"]);
    winner_a.winning_team = 0;
    assert_ne!(a, render(&winner_a));
}

#[test]
fn chinese_names_render_as_boxes() {
    let bytes = render(&card(["掼蛋高手", "小明", "😀😀", "Ünïcødé"]));
    let (w, h, _) = decode(&bytes);
    assert_eq!((w, h), (WIDTH, HEIGHT));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn any_text_renders(
        names in proptest::array::uniform4(".{0,80}"),
        level in ".{0,8}",
        order in proptest::collection::vec(any::<u8>(), 0..10),
        winner in any::<u8>(),
        ended in any::<i64>(),
    ) {
        let mut c = card(["a", "b", "c", "d"]);
        c.seats = names.map(|n| Player { name: n, bot: false });
        c.final_levels = [level.clone(), level];
        c.finish_order = order;
        c.winning_team = winner;
        c.ended_at_ms = ended;
        let (w, h, _) = decode(&render(&c));
        prop_assert_eq!((w, h), (WIDTH, HEIGHT));
    }
}

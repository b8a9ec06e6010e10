//! Shareable Guandan result images: [`render`] draws a finished match (teams, players, final levels,
//! winner, finish order, date) into a PNG with an embedded 8×8 bitmap font.
//!
//! Pure: no I/O, no clock, no system fonts; the same [`Card`] always gives the same bytes. Characters the
//! font cannot draw (Chinese names, emoji) become a hollow box; nothing panics on any text.

use font8x8::UnicodeFonts;

/// Image width in pixels.
pub const WIDTH: u32 = 640;
/// Image height in pixels.
pub const HEIGHT: u32 = 360;
/// Longest name drawn, in characters (longer names end in `..`).
pub const NAME_CHARS_MAX: usize = 16;

/// One seat of the card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Player {
    /// Display name.
    pub name: String,
    /// A bot held the seat.
    pub bot: bool,
}

/// Everything drawn on a result card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    /// Match id, shown in the footer.
    pub match_id: i64,
    /// Rule profile name, e.g. `official-2022`.
    pub rules: String,
    /// `casual`, `ranked` or `private`.
    pub kind: String,
    /// Seats 0..3; team = seat % 2.
    pub seats: [Player; 4],
    /// Winning team, 0 or 1 (anything else: no winner is marked).
    pub winning_team: u8,
    /// Final level of each team (`2`..`A`).
    pub final_levels: [String; 2],
    /// Seats in the order they went out in the last hand.
    pub finish_order: Vec<u8>,
    /// Hands played.
    pub hands_played: u32,
    /// End of the match, milliseconds since the Unix epoch (shown as a UTC date and time).
    pub ended_at_ms: i64,
}

/// RGB colour.
type Rgb = [u8; 3];

const BACKGROUND: Rgb = [0x0f, 0x4d, 0x33];
const PANEL: Rgb = [0x16, 0x63, 0x43];
const WINNER_PANEL: Rgb = [0x7a, 0x5c, 0x12];
const TEXT: Rgb = [0xf2, 0xf2, 0xea];
const MUTED: Rgb = [0xb8, 0xd4, 0xc4];
const GOLD: Rgb = [0xff, 0xd2, 0x4a];
const RED: Rgb = [0xe0, 0x4a, 0x3c];

/// An RGB canvas.
struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(colour: Rgb) -> Canvas {
        let n = (WIDTH * HEIGHT) as usize;
        let mut pixels = Vec::with_capacity(n * 3);
        for _ in 0..n {
            pixels.extend_from_slice(&colour);
        }
        Canvas { pixels }
    }

    fn put(&mut self, x: i64, y: i64, c: Rgb) {
        if x < 0 || y < 0 || x >= i64::from(WIDTH) || y >= i64::from(HEIGHT) {
            return;
        }
        let i = ((y as usize) * WIDTH as usize + x as usize) * 3;
        self.pixels[i..i + 3].copy_from_slice(&c);
    }

    fn rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: Rgb) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.put(xx, yy, c);
            }
        }
    }

    /// Draws `text` at `(x, y)` with each font pixel `scale` pixels wide; returns the x after it.
    fn text(&mut self, x: i64, y: i64, text: &str, scale: i64, c: Rgb) -> i64 {
        let mut cx = x;
        for ch in text.chars() {
            let g = glyph(ch);
            for (row, bits) in g.iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        self.rect(cx + col * scale, y + row as i64 * scale, scale, scale, c);
                    }
                }
            }
            cx += 8 * scale;
        }
        cx
    }
}

/// A hollow box, for characters the font cannot draw.
const MISSING: [u8; 8] = [0x00, 0x7e, 0x42, 0x42, 0x42, 0x42, 0x7e, 0x00];

/// The 8×8 bitmap of `ch` (bit 0 is the leftmost pixel of a row).
fn glyph(ch: char) -> [u8; 8] {
    if ch == ' ' {
        return [0; 8];
    }
    font8x8::BASIC_FONTS
        .get(ch)
        .or_else(|| font8x8::LATIN_FONTS.get(ch))
        .or_else(|| font8x8::GREEK_FONTS.get(ch))
        .or_else(|| font8x8::BOX_FONTS.get(ch))
        .or_else(|| font8x8::BLOCK_FONTS.get(ch))
        .or_else(|| font8x8::HIRAGANA_FONTS.get(ch))
        .filter(|g| g.iter().any(|&b| b != 0) || ch.is_whitespace())
        .unwrap_or(MISSING)
}

/// `name` without control characters, cut to [`NAME_CHARS_MAX`] characters.
fn clip_name(name: &str) -> String {
    let clean: Vec<char> = name.chars().filter(|c| !c.is_control()).collect();
    if clean.len() > NAME_CHARS_MAX {
        let mut s: String = clean[..NAME_CHARS_MAX - 2].iter().collect();
        s.push_str("..");
        s
    } else {
        clean.into_iter().collect()
    }
}

/// `YYYY-MM-DD HH:MM UTC` of a Unix time in milliseconds (proleptic Gregorian calendar).
pub fn utc_date_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

fn ordinal(place: usize) -> &'static str {
    match place {
        1 => "1st",
        2 => "2nd",
        3 => "3rd",
        _ => "4th",
    }
}

/// Renders the card as PNG bytes ([`WIDTH`] × [`HEIGHT`], 8-bit RGB). Deterministic.
pub fn render(card: &Card) -> Vec<u8> {
    let mut c = Canvas::new(BACKGROUND);
    // Header.
    c.rect(0, 0, i64::from(WIDTH), 64, PANEL);
    c.rect(0, 64, i64::from(WIDTH), 4, GOLD);
    let x = c.text(24, 16, "GUANDAN", 4, GOLD);
    c.text(x + 24, 28, "MATCH RESULT", 2, TEXT);
    // Teams.
    for team in 0..2usize {
        let y = 88 + team as i64 * 96;
        let won = usize::from(card.winning_team) == team;
        c.rect(
            20,
            y,
            i64::from(WIDTH) - 40,
            84,
            if won { WINNER_PANEL } else { PANEL },
        );
        let label = format!("TEAM {}", if team == 0 { 'A' } else { 'B' });
        c.text(36, y + 12, &label, 2, if won { GOLD } else { MUTED });
        let level = card.final_levels.get(team).map_or("?", String::as_str);
        let x = c.text(36, y + 44, "LEVEL ", 2, MUTED);
        c.text(x, y + 40, &clip_name(level), 3, TEXT);
        if won {
            c.text(i64::from(WIDTH) - 36 - 6 * 16, y + 12, "WINNER", 2, GOLD);
        }
        for (row, seat) in [team, team + 2].into_iter().enumerate() {
            let p = &card.seats[seat];
            let py = y + 36 + row as i64 * 22;
            let x = c.text(216, py, &format!("{}.", seat + 1), 2, MUTED);
            let x = c.text(x + 8, py, &clip_name(&p.name), 2, TEXT);
            if p.bot {
                c.text(x + 8, py, "BOT", 2, RED);
            }
        }
    }
    // Finish order of the last hand.
    c.text(24, 278, "FINISH ORDER, LAST HAND", 1, MUTED);
    let mut x = 24 - 8;
    for (i, &seat) in card.finish_order.iter().take(4).enumerate() {
        let name = card
            .seats
            .get(usize::from(seat))
            .map_or_else(|| "?".to_owned(), |p| clip_name(&p.name));
        let short: String = name.chars().take(10).collect();
        x = c.text(x + 8, 294, ordinal(i + 1), 2, GOLD);
        x = c.text(x + 8, 298, &format!("{short:<10}"), 1, TEXT);
    }
    // Footer.
    let footer = format!(
        "{}  #{}  {} HANDS  {} {}",
        utc_date_time(card.ended_at_ms),
        card.match_id,
        card.hands_played,
        clip_name(&card.kind).to_uppercase(),
        clip_name(&card.rules)
    );
    c.text(24, 330, &footer, 1, MUTED);
    encode(&c.pixels)
}

fn encode(pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Default);
        // Writing to a Vec only fails on a size mismatch, which the canvas rules out.
        let written = enc
            .write_header()
            .and_then(|mut w| w.write_image_data(pixels));
        debug_assert!(written.is_ok(), "png encoding failed: {written:?}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc_date_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_date_time(1_763_719_240_000), "2025-11-21 10:00 UTC");
        assert_eq!(utc_date_time(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(utc_date_time(-1), "1969-12-31 23:59 UTC");
        let _ = utc_date_time(i64::MIN);
        let _ = utc_date_time(i64::MAX);
    }

    #[test]
    fn names_are_clipped_and_cleaned() {
        assert_eq!(clip_name("abc"), "abc");
        assert_eq!(clip_name("a\nb\u{7}"), "ab");
        assert_eq!(clip_name(&"x".repeat(40)).chars().count(), NAME_CHARS_MAX);
        assert_eq!(glyph('掼'), MISSING);
        assert_ne!(glyph('A'), MISSING);
        assert_eq!(glyph(' '), [0; 8]);
    }
}

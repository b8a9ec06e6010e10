//! Times, windows and recurring schedules, all in UTC.
//!
//! Times are [`Millis`] (milliseconds since the Unix epoch, UTC), always passed in: nothing here reads
//! a clock. The calendar is the proleptic Gregorian one, computed with Howard Hinnant's
//! `days_from_civil` / `civil_from_days` algorithms ([`days_from_civil`], [`civil_from_days`]); no
//! date crate is used and no input makes any function panic (arithmetic that would leave `i64`
//! saturates or gives `None`).
//!
//! - [`parse_time`] / [`format_time`]: RFC 3339 timestamps (`2026-12-07T18:00:00Z`).
//! - [`parse_duration`]: `30m`, `1h30m`, `7d`…
//! - [`day_start`], [`week_start`] (ISO weeks start on Monday), [`month_start`].
//! - [`Cron`]: a 5-field cron expression evaluated in UTC, with [`Cron::next_after`] and
//!   [`Cron::latest_at_or_before`] skipping whole months, days and hours that cannot match.
//! - [`occurrence_at`]: the recurring window (a cron occurrence plus a duration) containing a time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Millis;

/// One second in milliseconds.
pub const SECOND_MS: i64 = 1_000;
/// One minute in milliseconds.
pub const MINUTE_MS: i64 = 60 * SECOND_MS;
/// One hour in milliseconds.
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
/// One day in milliseconds (UTC has no daylight saving; leap seconds are not counted, as in Unix time).
pub const DAY_MS: i64 = 24 * HOUR_MS;
/// One week in milliseconds.
pub const WEEK_MS: i64 = 7 * DAY_MS;
/// How far [`Cron::next_after`] and [`Cron::latest_at_or_before`] search: 8 × 366 days. Every
/// satisfiable expression matches at least once in any 8 years (29 February is the rarest day: 2096
/// to 2104 has none in between), so a search that finds nothing in this horizon means "never".
pub const SEARCH_HORIZON_MS: i64 = 8 * 366 * DAY_MS;

/// What was wrong with a timestamp, a duration or a cron expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// A timestamp is not RFC 3339; `field` names the part that is wrong (`year`, `month`, `day`,
    /// `hour`, `minute`, `second`, `fraction`, `offset`…).
    #[error(
        "invalid timestamp {text:?}: bad {field} (expected RFC 3339 like 2026-12-07T18:00:00Z)"
    )]
    Time {
        /// The text as given.
        text: String,
        /// The part that is wrong.
        field: &'static str,
    },
    /// A duration is malformed, zero or too large.
    #[error("invalid duration {text:?}: {reason} (expected like 90s, 30m, 1h30m, 7d)")]
    Duration {
        /// The text as given.
        text: String,
        /// What is wrong, naming the offending token.
        reason: String,
    },
    /// A cron expression does not have exactly 5 fields.
    #[error(
        "invalid cron expression {text:?}: expected 5 fields (minute hour day-of-month month day-of-week), found {found}"
    )]
    CronFieldCount {
        /// The expression as given.
        text: String,
        /// How many whitespace-separated fields it has.
        found: usize,
    },
    /// A cron alias (`@…`) is unknown.
    #[error(
        "invalid cron expression: unknown alias {alias:?} (expected @hourly, @daily, @weekly, @monthly or @yearly)"
    )]
    CronAlias {
        /// The alias as given.
        alias: String,
    },
    /// A token of one cron field is invalid.
    #[error("invalid cron {field} field: bad token {token:?}: {reason}")]
    CronToken {
        /// The field: `minute`, `hour`, `day-of-month`, `month` or `day-of-week`.
        field: &'static str,
        /// The offending token (one item of a comma-separated list).
        token: String,
        /// What is wrong with it.
        reason: String,
    },
}

// ---------------------------------------------------------------------------------------------
// Civil dates
// ---------------------------------------------------------------------------------------------

/// Days since 1970-01-01 of the proleptic Gregorian date `year-month-day` (Hinnant's
/// `days_from_civil`). `month` is 1–12 and `day` 1–31; other values are not rejected but give
/// meaningless (still panic-free) results for years within ±10^15.
#[must_use]
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year.saturating_sub(1) } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = if m > 2 { m - 3 } else { m + 9 }; // March = 0
    let doy = (153 * mp + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096] for valid dates
    era.saturating_mul(146_097)
        .saturating_add(doe)
        .saturating_sub(719_468)
}

/// The proleptic Gregorian `(year, month 1–12, day 1–31)` of a day number (days since 1970-01-01;
/// Hinnant's `civil_from_days`). Exact for every day number a [`Millis`] can produce.
#[must_use]
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // `day` and `month` are within 1..=31 and 1..=12 by construction.
    (year, month as u32, day as u32)
}

/// Whether `year` is a Gregorian leap year.
#[must_use]
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Number of days of `month` (1–12) in `year`; 0 for a month outside 1–12.
#[must_use]
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Day of the week of a day number, Sunday = 0 … Saturday = 6 (cron's numbering).
fn weekday_sunday0(days: i64) -> u32 {
    // 1970-01-01 was a Thursday (4).
    (days.rem_euclid(7) as u32 + 4) % 7
}

/// Day of the week of a day number, Monday = 0 … Sunday = 6 (ISO numbering minus one).
fn weekday_monday0(days: i64) -> i64 {
    (days.rem_euclid(7) + 3) % 7
}

/// `days × DAY_MS`, saturating at the `i64` bounds.
fn days_to_ms(days: i64) -> Millis {
    days.saturating_mul(DAY_MS)
}

/// 00:00 UTC of the day containing `ms` (saturates at `i64::MIN` for the first partial day of the range).
#[must_use]
pub fn day_start(ms: Millis) -> Millis {
    days_to_ms(ms.div_euclid(DAY_MS))
}

/// Monday 00:00 UTC of the ISO week containing `ms`.
#[must_use]
pub fn week_start(ms: Millis) -> Millis {
    let days = ms.div_euclid(DAY_MS);
    days_to_ms(days - weekday_monday0(days))
}

/// The 1st of the month containing `ms`, 00:00 UTC.
#[must_use]
pub fn month_start(ms: Millis) -> Millis {
    let (year, month, _) = civil_from_days(ms.div_euclid(DAY_MS));
    days_to_ms(days_from_civil(year, month, 1))
}

/// The 1st of the month after the one containing `ms`, 00:00 UTC (saturating at `i64::MAX`).
#[must_use]
pub fn next_month_start(ms: Millis) -> Millis {
    let (year, month, _) = civil_from_days(ms.div_euclid(DAY_MS));
    let (year, month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    days_to_ms(days_from_civil(year, month, 1))
}

/// A year as RFC 3339 writes it: four digits for 0–9999; outside that range (which RFC 3339 cannot
/// express and [`parse_time`] does not accept) a sign followed by at least four digits.
pub(crate) fn format_year(year: i64) -> String {
    if (0..=9_999).contains(&year) {
        format!("{year:04}")
    } else if year > 0 {
        format!("+{year}")
    } else {
        format!("-{:04}", year.unsigned_abs())
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamps and durations
// ---------------------------------------------------------------------------------------------

/// Reads `len` ASCII digits of `b` at `at` as a number, `None` if any is missing or not a digit.
fn fixed_digits(b: &[u8], at: usize, len: usize) -> Option<i64> {
    let slice = b.get(at..at + len)?;
    slice.iter().try_fold(0_i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// Parses an RFC 3339 timestamp into milliseconds since the Unix epoch.
///
/// Accepted: `YYYY-MM-DDTHH:MM:SS`, optionally followed by `.` and 1 to 3 digits of fraction
/// (milliseconds; more digits are rejected rather than silently rounded), then `Z` or an offset
/// `+HH:MM` / `-HH:MM` (the time is converted to UTC). Lower-case `t`/`z` and a space instead of `T`
/// are accepted as RFC 3339 permits. The date must exist (`2028-02-29` does, `2026-02-29` does not);
/// a leap second (`:60`) is rejected. Years are 0000–9999.
///
/// # Errors
/// [`ScheduleError::Time`] naming the part that is wrong.
pub fn parse_time(text: &str) -> Result<Millis, ScheduleError> {
    let err = |field: &'static str| ScheduleError::Time {
        text: text.to_owned(),
        field,
    };
    let b = text.as_bytes();
    let expect = |at: usize, allowed: &[u8], field: &'static str| match b.get(at) {
        Some(c) if allowed.contains(c) => Ok(()),
        _ => Err(err(field)),
    };
    let year = fixed_digits(b, 0, 4).ok_or_else(|| err("year"))?;
    expect(4, b"-", "date separator")?;
    let month = fixed_digits(b, 5, 2).ok_or_else(|| err("month"))?;
    if !(1..=12).contains(&month) {
        return Err(err("month"));
    }
    expect(7, b"-", "date separator")?;
    let day = fixed_digits(b, 8, 2).ok_or_else(|| err("day"))?;
    // `month` is 1..=12 here.
    if day < 1 || day > i64::from(days_in_month(year, month as u32)) {
        return Err(err("day"));
    }
    expect(10, b"Tt ", "date-time separator")?;
    let hour = fixed_digits(b, 11, 2).ok_or_else(|| err("hour"))?;
    if hour > 23 {
        return Err(err("hour"));
    }
    expect(13, b":", "time separator")?;
    let minute = fixed_digits(b, 14, 2).ok_or_else(|| err("minute"))?;
    if minute > 59 {
        return Err(err("minute"));
    }
    expect(16, b":", "time separator")?;
    let second = fixed_digits(b, 17, 2).ok_or_else(|| err("second"))?;
    if second > 59 {
        return Err(err("second"));
    }
    let mut at = 19;
    let mut millis = 0;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=3).contains(&digits) {
            return Err(err("fraction (1 to 3 digits)"));
        }
        let value = fixed_digits(b, at, digits).ok_or_else(|| err("fraction (1 to 3 digits)"))?;
        millis = value * 10_i64.pow(3 - digits as u32);
        at += digits;
    }
    let offset_minutes = match b.get(at) {
        Some(b'Z' | b'z') => {
            at += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let oh = fixed_digits(b, at + 1, 2).ok_or_else(|| err("offset"))?;
            expect(at + 3, b":", "offset")?;
            let om = fixed_digits(b, at + 4, 2).ok_or_else(|| err("offset"))?;
            if oh > 23 || om > 59 {
                return Err(err("offset"));
            }
            at += 6;
            let total = oh * 60 + om;
            if sign == b'-' { -total } else { total }
        }
        _ => return Err(err("offset (Z or ±HH:MM)")),
    };
    if at != b.len() {
        return Err(err("trailing characters"));
    }
    // `month` and `day` are validated above, so the casts are exact.
    let days = days_from_civil(year, month as u32, day as u32);
    Ok(
        days * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * SECOND_MS + millis
            - offset_minutes * MINUTE_MS,
    )
}

/// Formats milliseconds since the Unix epoch as RFC 3339 in UTC: `2026-12-07T18:00:00Z`, with a
/// fraction `.123` only when the milliseconds are not zero. [`parse_time`] reads it back exactly
/// for years 0000–9999; years outside that range (which RFC 3339 cannot express) are written with a
/// sign (`+10000-…`, `-0001-…`) so the function is total.
#[must_use]
pub fn format_time(ms: Millis) -> String {
    let days = ms.div_euclid(DAY_MS);
    let in_day = ms.rem_euclid(DAY_MS);
    let (year, month, day) = civil_from_days(days);
    let hour = in_day / HOUR_MS;
    let minute = in_day % HOUR_MS / MINUTE_MS;
    let second = in_day % MINUTE_MS / SECOND_MS;
    let millis = in_day % SECOND_MS;
    let year = format_year(year);
    if millis == 0 {
        format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    } else {
        format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
    }
}

/// Duration units, largest first (a duration lists them in this order, each at most once).
const DURATION_UNITS: [(&str, i64); 6] = [
    ("w", WEEK_MS),
    ("d", DAY_MS),
    ("h", HOUR_MS),
    ("m", MINUTE_MS),
    ("s", SECOND_MS),
    ("ms", 1),
];

/// Parses a duration such as `90s`, `30m`, `1h`, `1h30m`, `2d` or `7d` into milliseconds.
///
/// A duration is one or more `<digits><unit>` parts with no spaces; units are `w` (week), `d`, `h`,
/// `m` (minute), `s` and `ms`, each used at most once and from the largest to the smallest
/// (`1h30m`, not `30m1h`). The total must be greater than zero and fit in an `i64`.
///
/// # Errors
/// [`ScheduleError::Duration`] naming the offending part.
pub fn parse_duration(text: &str) -> Result<i64, ScheduleError> {
    let err = |reason: String| ScheduleError::Duration {
        text: text.to_owned(),
        reason,
    };
    if text.is_empty() {
        return Err(err("empty".to_owned()));
    }
    let b = text.as_bytes();
    let mut at = 0;
    let mut total: i64 = 0;
    let mut previous_unit: Option<usize> = None;
    while at < b.len() {
        let start = at;
        while at < b.len() && b[at].is_ascii_digit() {
            at += 1;
        }
        if at == start {
            return Err(err(format!(
                "expected a number at {:?}",
                text.get(start..).unwrap_or_default()
            )));
        }
        let unit_start = at;
        while at < b.len() && b[at].is_ascii_alphabetic() {
            at += 1;
        }
        let part = text.get(start..at).unwrap_or_default();
        let number = text.get(start..unit_start).unwrap_or_default();
        let unit = text.get(unit_start..at).unwrap_or_default();
        if unit.is_empty() {
            return Err(err(format!(
                "missing unit after {number:?} (use d, h, m, s)"
            )));
        }
        let Some(index) = DURATION_UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(err(format!(
                "unknown unit {unit:?} in {part:?} (use w, d, h, m, s or ms)"
            )));
        };
        if previous_unit.is_some_and(|p| p >= index) {
            return Err(err(format!(
                "{part:?} is out of order (units go from largest to smallest, each once)"
            )));
        }
        previous_unit = Some(index);
        let value = number
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(DURATION_UNITS[index].1))
            .and_then(|n| total.checked_add(n))
            .ok_or_else(|| err(format!("{part:?} is too large")))?;
        total = value;
    }
    if total <= 0 {
        return Err(err("must be > 0".to_owned()));
    }
    Ok(total)
}

// ---------------------------------------------------------------------------------------------
// Cron
// ---------------------------------------------------------------------------------------------

/// A 5-field cron expression evaluated in UTC: `minute hour day-of-month month day-of-week`.
///
/// Each field is `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma-separated list
/// of those (`0,30`, `1-5,10`). Ranges: minute 0–59, hour 0–23, day of month 1–31, month 1–12, day
/// of week 0–7 where both 0 and 7 are Sunday (1 is Monday). Names (`JAN`, `MON`) are not supported.
///
/// Aliases: `@hourly` = `0 * * * *`, `@daily` (or `@midnight`) = `0 0 * * *`, **`@weekly` =
/// `0 0 * * 1` (Monday 00:00 UTC, the ISO week start — unlike classic cron's Sunday)**, `@monthly` =
/// `0 0 1 * *`, `@yearly` (or `@annually`) = `0 0 1 1 *`.
///
/// Day matching follows the standard (Vixie/cronie) cron rule: when both day of month and day of
/// week are restricted, a day matches if EITHER matches (`0 0 13 * 5` fires on every 13th and
/// every Friday); when either of them is unrestricted, both must match (so the other decides). As in
/// Vixie cron, a field counts as unrestricted when it starts with `*` — including `*/n`.
///
/// Serialised as its source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    /// The text as given (trimmed).
    source: String,
    /// Bit `m` set when minute `m` (0–59) matches.
    minutes: u64,
    /// Bit `h` set when hour `h` (0–23) matches.
    hours: u64,
    /// Bit `d` set when day of month `d` (1–31) matches.
    days_of_month: u64,
    /// Bit `m` set when month `m` (1–12) matches.
    months: u64,
    /// Bit `w` set when day of week `w` (0–6, Sunday = 0) matches.
    days_of_week: u64,
    /// The day-of-month field starts with `*`.
    dom_star: bool,
    /// The day-of-week field starts with `*`.
    dow_star: bool,
}

/// Parses one cron field into a bit set of the values `min..=max` it matches.
fn parse_field(text: &str, field: &'static str, min: u32, max: u32) -> Result<u64, ScheduleError> {
    let err = |token: &str, reason: String| ScheduleError::CronToken {
        field,
        token: token.to_owned(),
        reason,
    };
    let number = |token: &str, part: &str| -> Result<u32, ScheduleError> {
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(err(token, format!("{part:?} is not a number")));
        }
        match part.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(err(token, format!("{part} is out of range {min}-{max}"))),
        }
    };
    let mut bits = 0_u64;
    for token in text.split(',') {
        if token.is_empty() {
            return Err(err(token, "empty list item".to_owned()));
        }
        let (range, step) = match token.split_once('/') {
            Some((range, step)) => {
                let step = match step.parse::<u32>() {
                    Ok(n) if n > 0 && step.bytes().all(|c| c.is_ascii_digit()) => n,
                    _ => {
                        return Err(err(
                            token,
                            format!("step {step:?} must be a positive number"),
                        ));
                    }
                };
                (range, Some(step))
            }
            None => (token, None),
        };
        let (low, high) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (number(token, a)?, number(token, b)?);
            if a > b {
                return Err(err(token, format!("range {a}-{b} is backwards")));
            }
            (a, b)
        } else {
            if step.is_some() {
                return Err(err(
                    token,
                    "a step needs `*` or a range before it (`*/n`, `a-b/n`)".to_owned(),
                ));
            }
            let n = number(token, range)?;
            (n, n)
        };
        let step = step.unwrap_or(1) as usize;
        for value in (low..=high).step_by(step) {
            bits |= 1 << value;
        }
    }
    Ok(bits)
}

/// The lowest set bit of `mask` at position `from` or above.
fn next_bit(mask: u64, from: i64) -> Option<i64> {
    if !(0..64).contains(&from) {
        return None;
    }
    let rest = mask & (u64::MAX << from);
    (rest != 0).then(|| i64::from(rest.trailing_zeros()))
}

/// The highest set bit of `mask` at position `from` or below.
fn prev_bit(mask: u64, from: i64) -> Option<i64> {
    if from < 0 {
        return None;
    }
    let rest = if from >= 63 {
        mask
    } else {
        mask & ((1_u64 << (from + 1)) - 1)
    };
    (rest != 0).then(|| 63 - i64::from(rest.leading_zeros()))
}

impl Cron {
    /// Parses a cron expression or alias (see the type's documentation). Surrounding whitespace is
    /// ignored; fields are separated by any whitespace.
    ///
    /// # Errors
    /// [`ScheduleError::CronFieldCount`], [`ScheduleError::CronAlias`] or
    /// [`ScheduleError::CronToken`] naming the field and the offending token.
    pub fn parse(text: &str) -> Result<Cron, ScheduleError> {
        let source = text.trim();
        let expanded = if let Some(alias) = source.strip_prefix('@') {
            match alias {
                "hourly" => "0 * * * *",
                "daily" | "midnight" => "0 0 * * *",
                "weekly" => "0 0 * * 1",
                "monthly" => "0 0 1 * *",
                "yearly" | "annually" => "0 0 1 1 *",
                _ => {
                    return Err(ScheduleError::CronAlias {
                        alias: source.to_owned(),
                    });
                }
            }
        } else {
            source
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = fields[..] else {
            return Err(ScheduleError::CronFieldCount {
                text: source.to_owned(),
                found: fields.len(),
            });
        };
        let mut days_of_week = parse_field(dow, "day-of-week", 0, 7)?;
        if days_of_week & (1 << 7) != 0 {
            days_of_week = (days_of_week | 1) & !(1 << 7);
        }
        Ok(Cron {
            source: source.to_owned(),
            minutes: parse_field(minute, "minute", 0, 59)?,
            hours: parse_field(hour, "hour", 0, 23)?,
            days_of_month: parse_field(dom, "day-of-month", 1, 31)?,
            months: parse_field(month, "month", 1, 12)?,
            days_of_week,
            dom_star: dom.starts_with('*'),
            dow_star: dow.starts_with('*'),
        })
    }

    /// The expression as given (trimmed), e.g. `0 18 * * *` or `@weekly`.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the month (1–12) matches.
    fn month_matches(&self, month: u32) -> bool {
        self.months & (1 << month) != 0
    }

    /// Whether a day matches, with the day-of-month / day-of-week OR rule.
    fn day_matches(&self, day_of_month: u32, days: i64) -> bool {
        let dom = self.days_of_month & (1 << day_of_month) != 0;
        let dow = self.days_of_week & (1 << weekday_sunday0(days)) != 0;
        if self.dom_star || self.dow_star {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// Whether the minute containing `at` matches the expression.
    #[must_use]
    pub fn matches(&self, at: Millis) -> bool {
        let days = at.div_euclid(DAY_MS);
        let in_day = at.rem_euclid(DAY_MS);
        let (_, month, day) = civil_from_days(days);
        self.month_matches(month)
            && self.day_matches(day, days)
            && self.hours & (1 << (in_day / HOUR_MS)) != 0
            && self.minutes & (1 << (in_day % HOUR_MS / MINUTE_MS)) != 0
    }

    /// The first minute strictly after `after` that matches (its first millisecond, e.g. for
    /// `0 18 * * *` and `after` = 18:00:00.000 the answer is 18:00 the next day). `None` when none
    /// falls within [`SEARCH_HORIZON_MS`] (8 × 366 days) of `after` — which, for a time not near
    /// the end of the `i64` range, means the expression can never match (e.g. `0 0 31 2 *`).
    ///
    /// Efficient: a month, day or hour that cannot match is skipped whole, so the search takes at
    /// most a few thousand steps even for an expression that never matches.
    #[must_use]
    pub fn next_after(&self, after: Millis) -> Option<Millis> {
        let limit = after.saturating_add(SEARCH_HORIZON_MS);
        let mut t = after
            .div_euclid(MINUTE_MS)
            .checked_add(1)?
            .checked_mul(MINUTE_MS)?;
        while t <= limit {
            let days = t.div_euclid(DAY_MS);
            let in_day = t.rem_euclid(DAY_MS);
            let day_ms = days.checked_mul(DAY_MS)?;
            let (year, month, day) = civil_from_days(days);
            if !self.month_matches(month) {
                let (year, month) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                t = days_from_civil(year, month, 1).checked_mul(DAY_MS)?;
                continue;
            }
            if !self.day_matches(day, days) {
                t = day_ms.checked_add(DAY_MS)?;
                continue;
            }
            let hour = in_day / HOUR_MS;
            let minute = in_day % HOUR_MS / MINUTE_MS;
            match next_bit(self.hours, hour) {
                None => {
                    t = day_ms.checked_add(DAY_MS)?;
                    continue;
                }
                Some(h) if h != hour => {
                    t = day_ms.checked_add(h * HOUR_MS)?;
                    continue;
                }
                Some(_) => {}
            }
            match next_bit(self.minutes, minute) {
                Some(m) => {
                    let found = day_ms.checked_add(hour * HOUR_MS + m * MINUTE_MS)?;
                    return (found <= limit).then_some(found);
                }
                None => t = day_ms.checked_add((hour + 1) * HOUR_MS)?,
            }
        }
        None
    }

    /// The last matching minute at or before `at` (the start of that minute, so a minute that began
    /// at or before `at` counts even if `at` is inside it). `None` when none falls within
    /// [`SEARCH_HORIZON_MS`] before `at`.
    #[must_use]
    pub fn latest_at_or_before(&self, at: Millis) -> Option<Millis> {
        self.latest_in(at, at.saturating_sub(SEARCH_HORIZON_MS))
    }

    /// The last matching minute `s` with `lower < s <= at`, skipping whole months, days and hours.
    fn latest_in(&self, at: Millis, lower: Millis) -> Option<Millis> {
        let mut t = at.div_euclid(MINUTE_MS).checked_mul(MINUTE_MS)?;
        while t > lower {
            let days = t.div_euclid(DAY_MS);
            let in_day = t.rem_euclid(DAY_MS);
            let day_ms = days.checked_mul(DAY_MS)?;
            let (year, month, day) = civil_from_days(days);
            if !self.month_matches(month) {
                t = days_from_civil(year, month, 1)
                    .checked_mul(DAY_MS)?
                    .checked_sub(MINUTE_MS)?;
                continue;
            }
            if !self.day_matches(day, days) {
                t = day_ms.checked_sub(MINUTE_MS)?;
                continue;
            }
            let hour = in_day / HOUR_MS;
            let minute = in_day % HOUR_MS / MINUTE_MS;
            match prev_bit(self.hours, hour) {
                None => {
                    t = day_ms.checked_sub(MINUTE_MS)?;
                    continue;
                }
                Some(h) if h != hour => {
                    t = day_ms.checked_add(h * HOUR_MS + 59 * MINUTE_MS)?;
                    continue;
                }
                Some(_) => {}
            }
            match prev_bit(self.minutes, minute) {
                Some(m) => {
                    let found = day_ms.checked_add(hour * HOUR_MS + m * MINUTE_MS)?;
                    return (found > lower).then_some(found);
                }
                None => t = day_ms.checked_add(hour * HOUR_MS - MINUTE_MS)?,
            }
        }
        None
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl FromStr for Cron {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Cron, ScheduleError> {
        Cron::parse(text)
    }
}

impl Serialize for Cron {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Cron {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Cron, D::Error> {
        let text = String::deserialize(deserializer)?;
        Cron::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The recurring window containing `at`, if any: every occurrence of `cron` (a matching minute)
/// opens a window `[start, start + duration_ms)`. Returns the window of the latest start `≤ at`
/// whose end is `> at`, as `(start, end)` (the end saturates at `i64::MAX`); `None` when `at` is
/// between windows, when `duration_ms <= 0`, or when the cron never matches. When windows overlap
/// (a duration longer than the gap between occurrences) the latest one wins.
#[must_use]
pub fn occurrence_at(cron: &Cron, duration_ms: i64, at: Millis) -> Option<(Millis, Millis)> {
    if duration_ms <= 0 {
        return None;
    }
    // A start `s` contains `at` iff `at - duration < s <= at`; the latest start of a satisfiable
    // expression is never more than the search horizon back.
    let lower = at
        .saturating_sub(duration_ms)
        .max(at.saturating_sub(SEARCH_HORIZON_MS));
    let start = cron.latest_in(at, lower)?;
    Some((start, start.saturating_add(duration_ms)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(text: &str) -> Millis {
        parse_time(text).unwrap()
    }

    fn cron(text: &str) -> Cron {
        Cron::parse(text).unwrap()
    }

    #[test]
    fn parses_known_times() {
        assert_eq!(t("1970-01-01T00:00:00Z"), 0);
        assert_eq!(t("2026-12-07T18:00:00Z"), 1_796_666_400_000);
        assert_eq!(t("2028-02-29T00:00:00Z"), 1_835_395_200_000);
        assert_eq!(t("1969-12-31T23:59:59.999Z"), -1);
        assert_eq!(t("2026-12-07T18:00:00.5Z"), 1_796_666_400_500);
        assert_eq!(t("2026-12-07T18:00:00.05Z"), 1_796_666_400_050);
        assert_eq!(t("2026-12-07T18:00:00.123z"), 1_796_666_400_123);
        assert_eq!(t("2026-12-07t18:00:00Z"), t("2026-12-07T18:00:00Z"));
        assert_eq!(t("2026-12-07 18:00:00Z"), t("2026-12-07T18:00:00Z"));
        assert_eq!(t("2000-03-01T00:00:00Z"), 951_868_800_000);
    }

    #[test]
    fn offsets_convert_to_utc() {
        assert_eq!(t("2026-12-08T02:00:00+08:00"), t("2026-12-07T18:00:00Z"));
        assert_eq!(t("2026-12-07T12:30:00-05:30"), t("2026-12-07T18:00:00Z"));
        assert_eq!(t("2026-12-07T18:00:00-00:00"), t("2026-12-07T18:00:00Z"));
        assert_eq!(t("2027-01-01T07:59:00+08:00"), t("2026-12-31T23:59:00Z"));
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2028) && is_leap_year(2000) && is_leap_year(2400));
        assert!(!is_leap_year(2026) && !is_leap_year(2100) && !is_leap_year(1900));
        assert_eq!(
            parse_time("2026-02-29T00:00:00Z"),
            Err(ScheduleError::Time {
                text: "2026-02-29T00:00:00Z".into(),
                field: "day"
            })
        );
        assert!(parse_time("2100-02-29T00:00:00Z").is_err());
        assert!(parse_time("2000-02-29T00:00:00Z").is_ok());
        let leap = t("2028-02-29T12:00:00Z");
        assert_eq!(format_time(leap), "2028-02-29T12:00:00Z");
        assert_eq!(format_time(leap + DAY_MS), "2028-03-01T12:00:00Z");
        assert_eq!(format_time(leap - DAY_MS), "2028-02-28T12:00:00Z");
        assert_eq!(days_in_month(2028, 2), 29);
        assert_eq!(days_in_month(2027, 2), 28);
        assert_eq!(days_in_month(2027, 13), 0);
    }

    #[test]
    fn bad_times_name_the_field() {
        let field = |text: &str| match parse_time(text) {
            Err(ScheduleError::Time { field, .. }) => field,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(field(""), "year");
        assert_eq!(field("26-12-07T18:00:00Z"), "year");
        assert_eq!(field("2026/12/07T18:00:00Z"), "date separator");
        assert_eq!(field("2026-13-07T18:00:00Z"), "month");
        assert_eq!(field("2026-00-07T18:00:00Z"), "month");
        assert_eq!(field("2026-04-31T18:00:00Z"), "day");
        assert_eq!(field("2026-12-07X18:00:00Z"), "date-time separator");
        assert_eq!(field("2026-12-07T24:00:00Z"), "hour");
        assert_eq!(field("2026-12-07T18:60:00Z"), "minute");
        assert_eq!(field("2026-12-07T18:00:60Z"), "second");
        assert_eq!(
            field("2026-12-07T18:00:00.1234Z"),
            "fraction (1 to 3 digits)"
        );
        assert_eq!(field("2026-12-07T18:00:00.Z"), "fraction (1 to 3 digits)");
        assert_eq!(field("2026-12-07T18:00:00"), "offset (Z or ±HH:MM)");
        assert_eq!(field("2026-12-07T18:00:00+0800"), "offset");
        assert_eq!(field("2026-12-07T18:00:00+24:00"), "offset");
        assert_eq!(field("2026-12-07T18:00:00Zjunk"), "trailing characters");
        assert_eq!(field("２026-12-07T18:00:00Z"), "year");
        let message = parse_time("2026-13-07T18:00:00Z").unwrap_err().to_string();
        assert!(message.contains("bad month"), "{message}");
    }

    #[test]
    fn formats_times() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(1_796_666_400_000), "2026-12-07T18:00:00Z");
        assert_eq!(format_time(1_796_666_400_123), "2026-12-07T18:00:00.123Z");
        assert_eq!(format_time(1_796_666_400_007), "2026-12-07T18:00:00.007Z");
        assert_eq!(format_time(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            format_time(t("9999-12-31T23:59:59Z") + 1_000),
            "+10000-01-01T00:00:00Z"
        );
        assert_eq!(
            format_time(t("0000-01-01T00:00:00Z") - DAY_MS),
            "-0001-12-31T00:00:00Z"
        );
        // Total: the extremes do not panic.
        for ms in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
            assert!(!format_time(ms).is_empty());
            let _ = (
                day_start(ms),
                week_start(ms),
                month_start(ms),
                next_month_start(ms),
            );
        }
    }

    #[test]
    fn day_week_month_starts() {
        let at = t("2026-12-09T15:42:17.250Z"); // a Wednesday
        assert_eq!(day_start(at), t("2026-12-09T00:00:00Z"));
        assert_eq!(week_start(at), t("2026-12-07T00:00:00Z"));
        assert_eq!(month_start(at), t("2026-12-01T00:00:00Z"));
        assert_eq!(next_month_start(at), t("2027-01-01T00:00:00Z"));
        // Monday belongs to its own week, Sunday to the week that began six days earlier.
        assert_eq!(
            week_start(t("2026-12-07T00:00:00Z")),
            t("2026-12-07T00:00:00Z")
        );
        assert_eq!(
            week_start(t("2026-12-13T23:59:59.999Z")),
            t("2026-12-07T00:00:00Z")
        );
        assert_eq!(
            week_start(t("2026-12-14T00:00:00Z")),
            t("2026-12-14T00:00:00Z")
        );
        // Weeks across a year boundary and before the epoch.
        assert_eq!(
            week_start(t("2027-01-01T10:00:00Z")),
            t("2026-12-28T00:00:00Z")
        );
        assert_eq!(week_start(0), t("1969-12-29T00:00:00Z"));
        assert_eq!(day_start(-1), -DAY_MS);
        assert_eq!(
            month_start(t("2028-02-29T23:00:00Z")),
            t("2028-02-01T00:00:00Z")
        );
        assert_eq!(
            next_month_start(t("2028-02-29T23:00:00Z")),
            t("2028-03-01T00:00:00Z")
        );
        assert_eq!(month_start(-1), t("1969-12-01T00:00:00Z"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(30 * MINUTE_MS));
        assert_eq!(parse_duration("1h"), Ok(HOUR_MS));
        assert_eq!(parse_duration("90s"), Ok(90 * SECOND_MS));
        assert_eq!(parse_duration("2d"), Ok(2 * DAY_MS));
        assert_eq!(parse_duration("1h30m"), Ok(90 * MINUTE_MS));
        assert_eq!(parse_duration("7d"), Ok(WEEK_MS));
        assert_eq!(parse_duration("1w"), Ok(WEEK_MS));
        assert_eq!(
            parse_duration("1d2h3m4s5ms"),
            Ok(DAY_MS + 2 * HOUR_MS + 3 * MINUTE_MS + 4_005)
        );
        assert_eq!(parse_duration("250ms"), Ok(250));
        for bad in [
            "",
            "0m",
            "0h0m",
            "30",
            "m",
            "1x",
            "30m1h",
            "1h1h",
            "1 h",
            "-1h",
            "1.5h",
            "99999999999999999999d",
            "9999999999999w",
        ] {
            let e = parse_duration(bad);
            assert!(
                matches!(e, Err(ScheduleError::Duration { .. })),
                "{bad}: {e:?}"
            );
        }
        let message = parse_duration("1h5x").unwrap_err().to_string();
        assert!(
            message.contains("\"x\"") && message.contains("\"5x\""),
            "{message}"
        );
        let message = parse_duration("30m1h").unwrap_err().to_string();
        assert!(message.contains("\"1h\""), "{message}");
    }

    #[test]
    fn cron_examples() {
        let c = cron("0 18 * * *");
        assert_eq!(c.source(), "0 18 * * *");
        assert_eq!(
            c.next_after(t("2026-12-07T17:59:59Z")),
            Some(t("2026-12-07T18:00:00Z"))
        );
        assert_eq!(
            c.next_after(t("2026-12-07T18:00:00Z")),
            Some(t("2026-12-08T18:00:00Z"))
        );
        assert_eq!(
            c.next_after(t("2026-12-31T18:00:00Z")),
            Some(t("2027-01-01T18:00:00Z"))
        );

        let c = cron("*/15 * * * *");
        assert_eq!(
            c.next_after(t("2026-12-07T18:00:00Z")),
            Some(t("2026-12-07T18:15:00Z"))
        );
        assert_eq!(
            c.next_after(t("2026-12-07T18:14:59.999Z")),
            Some(t("2026-12-07T18:15:00Z"))
        );
        assert_eq!(
            c.next_after(t("2026-12-07T23:50:00Z")),
            Some(t("2026-12-08T00:00:00Z"))
        );

        let c = cron("0 0 1 * *");
        assert_eq!(
            c.next_after(t("2026-12-07T18:00:00Z")),
            Some(t("2027-01-01T00:00:00Z"))
        );
        assert_eq!(
            c.next_after(t("2028-02-01T00:00:00Z")),
            Some(t("2028-03-01T00:00:00Z"))
        );

        // Weekdays at noon: Friday → Monday.
        let c = cron("0 12 * * 1-5");
        assert_eq!(
            c.next_after(t("2026-12-11T12:00:00Z")),
            Some(t("2026-12-14T12:00:00Z"))
        );
        assert_eq!(
            c.next_after(t("2026-12-11T11:00:00Z")),
            Some(t("2026-12-11T12:00:00Z"))
        );

        // Both day fields restricted: the 13th OR any Friday.
        let c = cron("0 0 13 * 5");
        assert_eq!(
            c.next_after(t("2026-12-07T00:00:00Z")),
            Some(t("2026-12-11T00:00:00Z"))
        );
        assert_eq!(
            c.next_after(t("2026-12-11T00:00:00Z")),
            Some(t("2026-12-13T00:00:00Z"))
        );
        assert_eq!(
            c.next_after(t("2026-12-13T00:00:00Z")),
            Some(t("2026-12-18T00:00:00Z"))
        );
        // Only one restricted: AND (here: Fridays in the day-of-month set `*`, i.e. every Friday).
        let c = cron("0 0 * * 5");
        assert_eq!(
            c.next_after(t("2026-12-11T00:00:00Z")),
            Some(t("2026-12-18T00:00:00Z"))
        );
        // Vixie rule: `*/2` counts as unrestricted, so both must match (odd days that are Fridays).
        let c = cron("0 0 */2 * 5");
        assert_eq!(
            c.next_after(t("2026-12-07T00:00:00Z")),
            Some(t("2026-12-11T00:00:00Z"))
        );
        assert_eq!(
            c.next_after(t("2026-12-11T00:00:00Z")),
            Some(t("2026-12-25T00:00:00Z"))
        );
        assert_eq!(
            c.next_after(t("2026-12-25T00:00:00Z")),
            Some(t("2027-01-01T00:00:00Z"))
        );

        // Sunday is 0 and 7.
        assert_eq!(
            cron("0 0 * * 0").next_after(0),
            cron("0 0 * * 7").next_after(0)
        );
        assert_eq!(
            cron("0 0 * * 0").next_after(0),
            Some(t("1970-01-04T00:00:00Z"))
        );
        assert_eq!(
            cron("0 0 * * 0"),
            Cron {
                source: "0 0 * * 0".into(),
                ..cron("0 0 * * 7")
            }
        );

        // Aliases.
        let c = cron("@weekly");
        assert_eq!(c.source(), "@weekly");
        assert_eq!(
            c.next_after(t("2026-12-09T10:00:00Z")),
            Some(t("2026-12-14T00:00:00Z"))
        );
        assert_eq!(
            c.next_after(t("2026-12-14T00:00:00Z")),
            Some(t("2026-12-21T00:00:00Z"))
        );
        assert_eq!(
            cron("@hourly").next_after(t("2026-12-09T10:00:00Z")),
            Some(t("2026-12-09T11:00:00Z"))
        );
        assert_eq!(
            cron("@daily").next_after(t("2026-12-09T10:00:00Z")),
            Some(t("2026-12-10T00:00:00Z"))
        );
        assert_eq!(
            cron("@midnight"),
            Cron {
                source: "@midnight".into(),
                ..cron("@daily")
            }
        );
        assert_eq!(
            cron("@monthly").next_after(t("2026-12-09T10:00:00Z")),
            Some(t("2027-01-01T00:00:00Z"))
        );
        assert_eq!(
            cron("@yearly").next_after(t("2026-12-09T10:00:00Z")),
            Some(t("2027-01-01T00:00:00Z"))
        );
        assert_eq!(
            cron("@annually").next_after(t("2027-01-01T00:00:00Z")),
            Some(t("2028-01-01T00:00:00Z"))
        );

        // Lists, ranges with steps, whitespace.
        let c = cron("  5,35 9-17/4 * 1,7 *  ");
        assert_eq!(c.source(), "5,35 9-17/4 * 1,7 *");
        assert_eq!(
            c.next_after(t("2026-12-07T00:00:00Z")),
            Some(t("2027-01-01T09:05:00Z"))
        );
        assert_eq!(
            c.next_after(t("2027-01-01T09:05:00Z")),
            Some(t("2027-01-01T09:35:00Z"))
        );
        assert_eq!(
            c.next_after(t("2027-01-01T09:35:00Z")),
            Some(t("2027-01-01T13:05:00Z"))
        );
        assert_eq!(
            c.next_after(t("2027-01-01T17:35:00Z")),
            Some(t("2027-01-02T09:05:00Z"))
        );
        assert!(c.matches(t("2027-07-04T17:35:59Z")));
        assert!(!c.matches(t("2027-07-04T18:35:00Z")));
    }

    #[test]
    fn impossible_and_rare_dates() {
        assert_eq!(cron("0 0 31 2 *").next_after(0), None);
        assert_eq!(
            cron("0 0 30 2 *").next_after(t("2026-01-01T00:00:00Z")),
            None
        );
        assert_eq!(cron("0 0 31 4,6,9,11 *").next_after(0), None);
        assert_eq!(cron("0 0 31 2 *").latest_at_or_before(0), None);
        // 29 February: eight years apart across 2100.
        let leap = cron("0 0 29 2 *");
        assert_eq!(
            leap.next_after(t("2026-01-01T00:00:00Z")),
            Some(t("2028-02-29T00:00:00Z"))
        );
        assert_eq!(
            leap.next_after(t("2096-03-01T00:00:00Z")),
            Some(t("2104-02-29T00:00:00Z"))
        );
        assert_eq!(
            leap.latest_at_or_before(t("2104-02-28T00:00:00Z")),
            Some(t("2096-02-29T00:00:00Z"))
        );
        // But a restricted day of week makes 31 February's rule an OR: any Monday of February.
        assert_eq!(
            cron("0 0 31 2 1").next_after(t("2026-12-07T00:00:00Z")),
            Some(t("2027-02-01T00:00:00Z"))
        );
        // Extremes do not panic.
        for c in ["* * * * *", "0 0 31 2 *", "0 0 29 2 *", "59 23 31 12 *"] {
            let c = cron(c);
            for at in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
                let _ = (c.next_after(at), c.latest_at_or_before(at), c.matches(at));
                let _ = occurrence_at(&c, i64::MAX, at);
                let _ = occurrence_at(&c, 1, at);
            }
        }
    }

    #[test]
    fn bad_cron_names_the_token() {
        let token = |text: &str| match Cron::parse(text) {
            Err(ScheduleError::CronToken { field, token, .. }) => (field, token),
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(token("61 * * * *"), ("minute", "61".into()));
        assert_eq!(token("0 24 * * *"), ("hour", "24".into()));
        assert_eq!(token("0 0 0 * *"), ("day-of-month", "0".into()));
        assert_eq!(token("0 0 32 * *"), ("day-of-month", "32".into()));
        assert_eq!(token("0 0 * 13 *"), ("month", "13".into()));
        assert_eq!(token("0 0 * * 8"), ("day-of-week", "8".into()));
        assert_eq!(token("*/0 * * * *"), ("minute", "*/0".into()));
        assert_eq!(token("0 0 * * 5-1"), ("day-of-week", "5-1".into()));
        assert_eq!(token("0 0 * JAN *"), ("month", "JAN".into()));
        assert_eq!(token("1,,2 * * * *"), ("minute", "".into()));
        assert_eq!(token("5/15 * * * *"), ("minute", "5/15".into()));
        assert_eq!(token("0 1,x * * *"), ("hour", "x".into()));
        assert_eq!(token("0 0 * * 1-"), ("day-of-week", "1-".into()));
        assert_eq!(token("*/+5 * * * *"), ("minute", "*/+5".into()));
        assert_eq!(token("0 0 * * -1"), ("day-of-week", "-1".into()));
        let message = Cron::parse("61 * * * *").unwrap_err().to_string();
        assert!(
            message.contains("minute") && message.contains("\"61\"") && message.contains("0-59"),
            "{message}"
        );
        assert_eq!(
            Cron::parse("* * *"),
            Err(ScheduleError::CronFieldCount {
                text: "* * *".into(),
                found: 3
            })
        );
        assert!(matches!(
            Cron::parse(""),
            Err(ScheduleError::CronFieldCount { found: 0, .. })
        ));
        assert!(matches!(
            Cron::parse("* * * * * *"),
            Err(ScheduleError::CronFieldCount { found: 6, .. })
        ));
        assert_eq!(
            Cron::parse("@fortnightly"),
            Err(ScheduleError::CronAlias {
                alias: "@fortnightly".into()
            })
        );
    }

    #[test]
    fn cron_serde_is_its_source() {
        let c: Cron = serde_yaml::from_str("'*/15 * * * *'").unwrap();
        assert_eq!(c, cron("*/15 * * * *"));
        assert_eq!(serde_yaml::to_string(&c).unwrap().trim(), "'*/15 * * * *'");
        assert!(serde_yaml::from_str::<Cron>("'61 * * * *'").is_err());
        assert_eq!("@daily".parse::<Cron>().unwrap().to_string(), "@daily");
    }

    #[test]
    fn occurrences() {
        let c = cron("0 18 * * *");
        let day = t("2026-12-07T00:00:00Z");
        let start = t("2026-12-07T18:00:00Z");
        let w = occurrence_at(&c, HOUR_MS, start + 30 * MINUTE_MS);
        assert_eq!(w, Some((start, start + HOUR_MS)));
        assert_eq!(
            occurrence_at(&c, HOUR_MS, start),
            Some((start, start + HOUR_MS))
        );
        assert_eq!(occurrence_at(&c, HOUR_MS, start + HOUR_MS), None);
        assert_eq!(occurrence_at(&c, HOUR_MS, start - 1), None);
        assert_eq!(occurrence_at(&c, HOUR_MS, day), None);
        assert_eq!(occurrence_at(&c, 0, start), None);
        assert_eq!(occurrence_at(&c, -5, start), None);
        // A window crossing midnight.
        assert_eq!(
            occurrence_at(&c, 8 * HOUR_MS, t("2026-12-08T01:59:59Z")),
            Some((start, start + 8 * HOUR_MS))
        );
        // Overlapping windows: the latest start wins.
        assert_eq!(
            occurrence_at(&c, 2 * DAY_MS, t("2026-12-08T19:00:00Z")),
            Some((start + DAY_MS, start + 3 * DAY_MS))
        );
        // A weekly one-week window always contains `at`.
        let weekly = cron("@weekly");
        let at = t("2026-12-13T23:59:59Z");
        assert_eq!(
            occurrence_at(&weekly, WEEK_MS, at),
            Some((week_start(at), week_start(at) + WEEK_MS))
        );
        // Never-matching cron.
        assert_eq!(occurrence_at(&cron("0 0 31 2 *"), DAY_MS, start), None);
        // Rare occurrences with a long window.
        let leap = cron("0 0 29 2 *");
        assert_eq!(
            occurrence_at(&leap, 365 * DAY_MS, t("2028-12-31T00:00:00Z")),
            Some((t("2028-02-29T00:00:00Z"), t("2029-02-28T00:00:00Z")))
        );
    }

    /// Minute-by-minute reference: the first matching minute in `(after, after + span]`.
    fn brute_next(c: &Cron, after: Millis, span_minutes: i64) -> Option<Millis> {
        let first = (after.div_euclid(MINUTE_MS) + 1) * MINUTE_MS;
        (0..span_minutes)
            .map(|i| first + i * MINUTE_MS)
            .find(|&m| brute_matches(c, m))
    }

    /// Independent matcher: recomputes the calendar fields and the day rule from the source text.
    fn brute_matches(c: &Cron, at: Millis) -> bool {
        let fields: Vec<&str> = c.source().split_whitespace().collect();
        let in_set = |field: &str, value: u32, min: u32, max: u32| {
            field.split(',').any(|tok| {
                let (range, step) = match tok.split_once('/') {
                    Some((r, s)) => (r, s.parse::<u32>().unwrap()),
                    None => (tok, 1),
                };
                let (lo, hi) = if range == "*" {
                    (min, max)
                } else if let Some((a, b)) = range.split_once('-') {
                    (a.parse().unwrap(), b.parse().unwrap())
                } else {
                    let v: u32 = range.parse().unwrap();
                    (v, v)
                };
                value >= lo && value <= hi && (value - lo).is_multiple_of(step)
            })
        };
        let (y, mo, d) = civil_from_days(at.div_euclid(DAY_MS));
        let wd = ((days_from_civil(y, mo, d) % 7 + 11) % 7) as u32; // 1970-01-01 is Thursday (4).
        let sec = at.rem_euclid(DAY_MS) / 1000;
        let (h, mi) = ((sec / 3600) as u32, (sec % 3600 / 60) as u32);
        let dom = in_set(fields[2], d, 1, 31);
        let dow = in_set(fields[4], wd, 0, 7) || (wd == 0 && in_set(fields[4], 7, 0, 7));
        let day_ok = if fields[2].starts_with('*') || fields[4].starts_with('*') {
            dom && dow
        } else {
            dom || dow
        };
        in_set(fields[0], mi, 0, 59)
            && in_set(fields[1], h, 0, 23)
            && in_set(fields[3], mo, 1, 12)
            && day_ok
    }

    fn field_strategy(min: u32, max: u32) -> impl Strategy<Value = String> {
        let item = prop_oneof![
            2 => Just("*".to_owned()),
            3 => (min..=max).prop_map(|v| v.to_string()),
            2 => (min..=max, min..=max).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
            1 => (1..=max.max(2)).prop_map(|s| format!("*/{s}")),
            1 => (min..=max, min..=max, 1..=5_u32)
                .prop_map(|(a, b, s)| format!("{}-{}/{s}", a.min(b), a.max(b))),
        ];
        proptest::collection::vec(item, 1..=2).prop_map(|items| items.join(","))
    }

    fn cron_strategy() -> impl Strategy<Value = String> {
        (
            field_strategy(0, 59),
            field_strategy(0, 23),
            field_strategy(1, 31),
            field_strategy(1, 12),
            field_strategy(0, 7),
        )
            .prop_map(|(a, b, c, d, e)| format!("{a} {b} {c} {d} {e}"))
    }

    /// Years 1970–2200.
    const YEAR_2201: Millis = 7_289_654_400_000;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn time_round_trips(ms in 0..YEAR_2201) {
            let text = format_time(ms);
            prop_assert_eq!(parse_time(&text), Ok(ms));
            prop_assert_eq!(text.ends_with('Z'), true);
            prop_assert_eq!(text.contains('.'), ms % 1000 != 0);
        }

        #[test]
        fn offsets_round_trip(ms in 0..YEAR_2201, offset in -(23 * 60 + 59)..=(23 * 60 + 59_i64)) {
            let local = format_time(ms + offset * MINUTE_MS);
            let sign = if offset < 0 { '-' } else { '+' };
            let text = format!("{}{sign}{:02}:{:02}", &local[..local.len() - 1], offset.abs() / 60, offset.abs() % 60);
            prop_assert_eq!(parse_time(&text), Ok(ms));
        }

        #[test]
        fn civil_round_trips(days in -100_000_000_i64..100_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }

        #[test]
        fn starts_are_consistent(ms in -YEAR_2201..YEAR_2201) {
            let d = day_start(ms);
            prop_assert!(d <= ms && ms - d < DAY_MS && d % DAY_MS == 0);
            let w = week_start(ms);
            prop_assert!(w <= ms && ms - w < WEEK_MS);
            prop_assert_eq!(weekday_monday0(w.div_euclid(DAY_MS)), 0);
            let m = month_start(ms);
            prop_assert!(m <= ms && format_time(m)[8..].starts_with("01T00:00:00"));
            prop_assert!(next_month_start(ms) > ms);
            prop_assert_eq!(month_start(next_month_start(ms) - 1), m);
        }

        #[test]
        fn next_after_matches_brute_force(expr in cron_strategy(), after in 0..YEAR_2201) {
            let c = Cron::parse(&expr).unwrap();
            let span = 3 * 24 * 60; // three days of minutes
            let fast = c.next_after(after);
            match brute_next(&c, after, span) {
                Some(found) => prop_assert_eq!(fast, Some(found), "{}", expr),
                None => prop_assert!(fast.is_none_or(|f| f >= (after.div_euclid(MINUTE_MS) + 1 + span) * MINUTE_MS), "{}", expr),
            }
            if let Some(f) = fast {
                prop_assert!(f > after && f % MINUTE_MS == 0 && c.matches(f) && brute_matches(&c, f));
            }
        }

        #[test]
        fn latest_and_occurrence_match_brute_force(expr in cron_strategy(), at in 0..YEAR_2201, dur_min in 1..600_i64) {
            let c = Cron::parse(&expr).unwrap();
            let duration = dur_min * MINUTE_MS - 1;
            let floor = at.div_euclid(MINUTE_MS) * MINUTE_MS;
            let expected = (0..dur_min + 1)
                .map(|i| floor - i * MINUTE_MS)
                .find(|&m| brute_matches(&c, m))
                .filter(|&s| s + duration > at);
            prop_assert_eq!(occurrence_at(&c, duration, at), expected.map(|s| (s, s + duration)), "{}", expr);
            if let Some(latest) = c.latest_at_or_before(at) {
                prop_assert!(latest <= at && brute_matches(&c, latest));
                prop_assert!(c.next_after(latest).is_none_or(|n| n > at));
            }
        }

        #[test]
        fn next_after_is_total(expr in cron_strategy(), after in any::<i64>()) {
            let c = Cron::parse(&expr).unwrap();
            if let Some(f) = c.next_after(after) {
                prop_assert!(f > after && c.matches(f));
            }
            if let Some(l) = c.latest_at_or_before(after) {
                prop_assert!(l <= after && c.matches(l));
            }
        }

        #[test]
        fn parsers_never_panic(text in "\\PC{0,40}") {
            let _ = parse_time(&text);
            let _ = parse_duration(&text);
            let _ = Cron::parse(&text);
        }

        #[test]
        fn durations_never_panic(text in "[0-9dhmsw]{0,24}") {
            if let Ok(ms) = parse_duration(&text) {
                prop_assert!(ms > 0);
            }
        }
    }
}

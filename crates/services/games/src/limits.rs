//! Responsible-gaming limits a player sets on themself: a per-bet maximum and a daily loss limit per
//! currency, a session time limit and self-exclusion until a date. Tightening takes effect at once;
//! loosening (raising or removing a limit) is scheduled after a cooling-off period; self-exclusion can
//! be extended but never shortened.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Milliseconds per day.
pub const DAY_MS: i64 = 86_400_000;

/// Which limit a scheduled change touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// Per-bet maximum (per currency).
    MaxBet,
    /// Daily loss limit (per currency).
    DailyLossLimit,
    /// Session time limit.
    SessionMinutes,
}

/// A loosening waiting for its cooling-off period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PendingChange {
    /// The limit.
    pub kind: LimitKind,
    /// Its currency (money limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The new value (`null`: the limit is removed).
    pub value: Option<u64>,
    /// When it takes effect, unix ms.
    pub effective_at_ms: i64,
}

/// The stored limits of a player.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Per-bet maximum per currency, minor units.
    #[serde(default)]
    pub max_bet: BTreeMap<String, u64>,
    /// Net loss per UTC day per currency, minor units.
    #[serde(default)]
    pub daily_loss_limit: BTreeMap<String, u64>,
    /// Longest play session, minutes.
    #[serde(default)]
    pub session_minutes: Option<u64>,
    /// No bets before this instant (unix ms).
    #[serde(default)]
    pub self_excluded_until_ms: Option<i64>,
    /// Scheduled loosenings.
    #[serde(default)]
    pub pending: Vec<PendingChange>,
}

/// `PUT /v1/me/limits`: absent fields are unchanged, `null` removes a limit.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsUpdate {
    /// Per-bet maximum per currency (`{"PLAY": 1000}`; a `null` value removes it).
    #[serde(default)]
    pub max_bet: Option<BTreeMap<String, Option<u64>>>,
    /// Daily loss limit per currency.
    #[serde(default)]
    pub daily_loss_limit: Option<BTreeMap<String, Option<u64>>>,
    /// Session limit in minutes (`null` removes it).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u64>)]
    pub session_minutes: Option<Option<u64>>,
    /// Self-exclusion until this UTC date (`YYYY-MM-DD`, exclusive: bets resume at its start).
    #[serde(default)]
    pub self_excluded_until: Option<String>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
    Option::<u64>::deserialize(d).map(Some)
}

/// Why an update was refused: (field, message).
pub type UpdateError = (String, String);

impl Limits {
    /// Applies scheduled changes whose time has come; true when something changed.
    pub fn apply_due(&mut self, now_ms: i64) -> bool {
        let (due, keep): (Vec<_>, Vec<_>) = self
            .pending
            .drain(..)
            .partition(|p| p.effective_at_ms <= now_ms);
        self.pending = keep;
        let changed = !due.is_empty();
        for p in due {
            self.set(p.kind, p.currency.as_deref(), p.value);
        }
        changed
    }

    fn get(&self, kind: LimitKind, currency: Option<&str>) -> Option<u64> {
        match kind {
            LimitKind::MaxBet => currency.and_then(|c| self.max_bet.get(c).copied()),
            LimitKind::DailyLossLimit => {
                currency.and_then(|c| self.daily_loss_limit.get(c).copied())
            }
            LimitKind::SessionMinutes => self.session_minutes,
        }
    }

    fn set(&mut self, kind: LimitKind, currency: Option<&str>, value: Option<u64>) {
        let map = match kind {
            LimitKind::MaxBet => &mut self.max_bet,
            LimitKind::DailyLossLimit => &mut self.daily_loss_limit,
            LimitKind::SessionMinutes => {
                self.session_minutes = value;
                return;
            }
        };
        let Some(c) = currency else { return };
        match value {
            Some(v) => map.insert(c.to_owned(), v),
            None => map.remove(c),
        };
    }

    /// Changes one limit: tighter (or equal) at once, looser after `cooloff_ms`.
    fn change(
        &mut self,
        kind: LimitKind,
        currency: Option<&str>,
        value: Option<u64>,
        now_ms: i64,
        cooloff_ms: i64,
    ) {
        // Any earlier scheduled change of this limit is replaced by the new request.
        self.pending
            .retain(|p| !(p.kind == kind && p.currency.as_deref() == currency));
        let current = self.get(kind, currency);
        let tighter = match (current, value) {
            (_, Some(v)) if current.is_none_or(|c| v <= c) => true,
            (None, None) => true,
            _ => false,
        };
        if tighter {
            self.set(kind, currency, value);
        } else {
            self.pending.push(PendingChange {
                kind,
                currency: currency.map(str::to_owned),
                value,
                effective_at_ms: now_ms.saturating_add(cooloff_ms),
            });
        }
    }

    /// Applies an update; `supported` says which currencies exist.
    pub fn update(
        &mut self,
        u: &LimitsUpdate,
        now_ms: i64,
        cooloff_ms: i64,
        supported: impl Fn(&str) -> bool,
    ) -> Result<(), UpdateError> {
        let mut next = self.clone();
        for (field, kind, map) in [
            ("max_bet", LimitKind::MaxBet, &u.max_bet),
            (
                "daily_loss_limit",
                LimitKind::DailyLossLimit,
                &u.daily_loss_limit,
            ),
        ] {
            for (currency, value) in map.iter().flatten() {
                if !supported(currency) {
                    return Err((
                        format!("{field}.{currency}"),
                        format!("Currency `{currency}` is not supported."),
                    ));
                }
                if *value == Some(0) {
                    return Err((
                        format!("{field}.{currency}"),
                        "A limit must be positive (use null to remove it).".into(),
                    ));
                }
                next.change(kind, Some(currency), *value, now_ms, cooloff_ms);
            }
        }
        if let Some(minutes) = u.session_minutes {
            if minutes == Some(0) || minutes.is_some_and(|m| m > 24 * 60) {
                return Err((
                    "session_minutes".into(),
                    "The session limit is 1 to 1440 minutes (or null).".into(),
                ));
            }
            next.change(LimitKind::SessionMinutes, None, minutes, now_ms, cooloff_ms);
        }
        if let Some(date) = &u.self_excluded_until {
            let until = parse_date(date).ok_or_else(|| {
                (
                    "self_excluded_until".to_owned(),
                    "Use a date as YYYY-MM-DD.".to_owned(),
                )
            })?;
            if until <= now_ms {
                return Err((
                    "self_excluded_until".into(),
                    "The date must be in the future.".into(),
                ));
            }
            if next
                .self_excluded_until_ms
                .is_some_and(|cur| cur > now_ms && until < cur)
            {
                return Err((
                    "self_excluded_until".into(),
                    "A self-exclusion can be extended but not shortened.".into(),
                ));
            }
            next.self_excluded_until_ms = Some(until);
        }
        *self = next;
        Ok(())
    }
}

/// `YYYY-MM-DD` → unix ms of its 00:00 UTC.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || text.len() != 10 || !(1970..=9999).contains(&y) {
        return None;
    }
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d) * DAY_MS)
}

/// Unix ms → `YYYY-MM-DD` of its UTC day.
pub fn format_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(
            parse_date("2026-11-21").map(format_date).as_deref(),
            Some("2026-11-21")
        );
        assert_eq!(
            parse_date("2024-02-29").map(format_date).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(parse_date("tomorrow"), None);
    }

    #[test]
    fn tightening_is_immediate_and_loosening_waits() {
        let mut l = Limits::default();
        let up = |v: Option<u64>| LimitsUpdate {
            max_bet: Some([("PLAY".to_owned(), v)].into()),
            ..LimitsUpdate::default()
        };
        l.update(&up(Some(500)), 0, 1_000, |_| true).expect("set");
        assert_eq!(l.max_bet.get("PLAY"), Some(&500));
        l.update(&up(Some(900)), 10, 1_000, |_| true)
            .expect("raise");
        assert_eq!(l.max_bet.get("PLAY"), Some(&500));
        assert_eq!(l.pending.len(), 1);
        assert!(!l.apply_due(500));
        assert!(l.apply_due(1_010));
        assert_eq!(l.max_bet.get("PLAY"), Some(&900));
        l.update(&up(None), 2_000, 1_000, |_| true).expect("remove");
        assert_eq!(l.max_bet.get("PLAY"), Some(&900));
        assert!(l.apply_due(3_000));
        assert_eq!(l.max_bet.get("PLAY"), None);
    }
}

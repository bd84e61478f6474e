//! `--since` / `--until`: a time window that limits every query of a session.
//!
//! The window becomes two filters on the table: one on the partition columns, which
//! DataFusion evaluates on folder names before it opens a file (whole days or hours
//! outside the window are never read), and one on `start`, which row-group statistics
//! prune further inside the files (the converter writes them sorted by `start`).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::error::{QueryError, Result};

/// A half-open window `[since, until)` in Unix seconds; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeWindow {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// Which end of the window a bound is for: a bare date means the start of that day for
/// `--since` and the end of it for `--until`, so `--since 2026-03-01 --until 2026-03-01`
/// is that one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Since,
    Until,
}

impl TimeWindow {
    /// Parse the two flags, relative to `now`.
    pub fn parse(since: Option<&str>, until: Option<&str>, now: DateTime<Utc>) -> Result<Self> {
        let window = Self {
            since: since
                .map(|s| parse_bound(s, Bound::Since, now))
                .transpose()?,
            until: until
                .map(|s| parse_bound(s, Bound::Until, now))
                .transpose()?,
        };
        if let (Some(s), Some(u), Some(st), Some(ut)) = (window.since, window.until, since, until)
            && s >= u
        {
            let day = if NaiveDate::parse_from_str(ut.trim(), "%Y-%m-%d").is_ok() {
                " (a date given to --until includes that day)"
            } else {
                ""
            };
            // Given the other way round, would they make a window?
            let swapped = parse_bound(ut, Bound::Since, now)
                .ok()
                .zip(parse_bound(st, Bound::Until, now).ok())
                .is_some_and(|(since, until)| since < until);
            return Err(QueryError::Window(if s == u && !swapped {
                format!(
                    "the window is empty: --since {st} and --until {ut} are the same time, {}{day}",
                    iso(s)
                )
            } else {
                format!(
                    "the window is empty: --since {st} is {}, which is not before --until {ut}, {}{day}{}",
                    iso(s),
                    iso(u),
                    if swapped { "; did you swap them?" } else { "" }
                )
            }));
        }
        Ok(window)
    }

    pub fn is_unbounded(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// A SQL predicate over the table's columns for this window (None when unbounded).
    ///
    /// `hour` says whether the lake has an `hour` partition column. Records whose format
    /// has no `start` field have no time and fall outside every window.
    pub fn predicate(&self, hour: bool) -> Option<String> {
        let key = |t: i64| {
            let t = DateTime::from_timestamp(t, 0).unwrap_or_default();
            if hour {
                t.format("%Y%m%d%H").to_string()
            } else {
                t.format("%Y%m%d").to_string()
            }
        };
        let part = if hour {
            r#"concat("year", "month", "day", "hour")"#
        } else {
            r#"concat("year", "month", "day")"#
        };
        let mut terms = Vec::new();
        if let Some(s) = self.since {
            terms.push(format!("{part} >= '{}'", key(s)));
            terms.push(format!(r#""start" >= {s}"#));
        }
        if let Some(u) = self.until {
            // The partition holding the last second of the window is still in.
            terms.push(format!("{part} <= '{}'", key(u - 1)));
            terms.push(format!(r#""start" < {u}"#));
        }
        (!terms.is_empty()).then(|| terms.join(" AND "))
    }

    /// `2026-03-01T00:00:00Z .. 2026-03-08T00:00:00Z`, for messages.
    pub fn describe(&self) -> String {
        let end = |t: Option<i64>| t.map_or_else(|| "(open)".to_string(), iso);
        format!("{} .. {}", end(self.since), end(self.until))
    }
}

/// 2015-01-01T00:00:00Z: no flow log is older (VPC Flow Logs launched in June 2015).
const EARLIEST: i64 = 1_420_070_400;

/// 9999-12-31T23:59:59Z.
const LATEST: i64 = 253_402_300_799;

/// What a window that cannot be what was meant deserves a warning about, given the span
/// `[first, last)` of the lake's time partitions (Unix seconds): a window outside it finds
/// nothing. `None` when the window overlaps the lake or the span is unknown.
pub fn window_warning(window: &TimeWindow, span: Option<(i64, i64)>) -> Option<String> {
    let (first, last) = span?;
    let after = window.since.is_some_and(|s| s >= last);
    let before = window.until.is_some_and(|u| u <= first);
    (after || before).then(|| {
        format!(
            "the time window {} is {} the lake's data, which spans {} .. {}: queries will find nothing",
            window.describe(),
            if after { "after" } else { "before" },
            iso(first),
            iso(last)
        )
    })
}

fn iso(t: i64) -> String {
    DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `7d`, `36h`, `90m`, `2w` (before now), `2026-03-01`, `2026-03-01T12:00:00Z`,
/// `2026-03-01 12:00` (UTC) or Unix seconds.
pub fn parse_bound(text: &str, bound: Bound, now: DateTime<Utc>) -> Result<i64> {
    let t = text.trim();
    let bad = || {
        QueryError::Window(format!(
            "cannot read {t:?} as a time: use a duration before now (7d, 36h, 90m, 2w), a date \
             (2026-03-01), an RFC 3339 time (2026-03-01T12:00:00Z) or Unix seconds"
        ))
    };
    if let Some(unit) = t.chars().last().filter(char::is_ascii_alphabetic)
        && let Ok(n) = t[..t.len() - 1].parse::<i64>()
    {
        let span = match unit {
            's' => Duration::seconds(n),
            'm' => Duration::minutes(n),
            'h' => Duration::hours(n),
            'd' => Duration::days(n),
            'w' => Duration::weeks(n),
            _ => return Err(bad()),
        };
        return Ok((now - span).timestamp());
    }
    if let Ok(secs) = t.parse::<i64>() {
        // Flow logs began in 2015: a small number is a duration without its unit, a huge
        // one milliseconds.
        let flag = match bound {
            Bound::Since => "--since",
            Bound::Until => "--until",
        };
        if secs < EARLIEST {
            // A small number was meant as a duration; a large one is just too early.
            let advice = if secs.unsigned_abs() < 100_000 {
                format!("for a duration write it with a unit ({t}d, {t}h, {t}m, {t}w)")
            } else {
                "give a time of 2015 or later".to_string()
            };
            return Err(QueryError::Window(format!(
                "{flag} {t} would be Unix second {t} ({}), before flow logs existed: {advice}",
                iso(secs)
            )));
        }
        if secs > LATEST {
            return Err(QueryError::Window(format!(
                "{t} is after the year 9999 as Unix seconds: if it is milliseconds, write {}",
                secs / 1000
            )));
        }
        return Ok(secs);
    }
    if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let day = match bound {
            Bound::Since => day,
            Bound::Until => day.succ_opt().ok_or_else(bad)?,
        };
        return Ok(Utc
            .from_utc_datetime(&day.and_hms_opt(0, 0, 0).ok_or_else(bad)?)
            .timestamp());
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.timestamp());
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(Utc.from_utc_datetime(&at).timestamp());
        }
    }
    Err(bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().timestamp()
    }

    #[test]
    fn durations_count_back_from_now() {
        let w = TimeWindow::parse(Some("7d"), Some("36h"), now()).unwrap();
        assert_eq!(w.since, Some(at(2026, 3, 3, 12)));
        assert_eq!(w.until, Some(at(2026, 3, 9, 0)));
        assert_eq!(
            parse_bound("2w", Bound::Since, now()).unwrap(),
            at(2026, 2, 24, 12)
        );
        assert_eq!(
            parse_bound("90m", Bound::Since, now()).unwrap(),
            at(2026, 3, 10, 10) + 1800
        );
    }

    #[test]
    fn a_bare_date_until_includes_that_day() {
        let w = TimeWindow::parse(Some("2026-03-01"), Some("2026-03-01"), now()).unwrap();
        assert_eq!(w.since, Some(at(2026, 3, 1, 0)));
        assert_eq!(w.until, Some(at(2026, 3, 2, 0)));
    }

    #[test]
    fn rfc3339_and_plain_times_are_exact() {
        assert_eq!(
            parse_bound("2026-03-01T13:00:00Z", Bound::Until, now()).unwrap(),
            at(2026, 3, 1, 13)
        );
        assert_eq!(
            parse_bound("2026-03-01T15:00:00+02:00", Bound::Since, now()).unwrap(),
            at(2026, 3, 1, 13)
        );
        assert_eq!(
            parse_bound("2026-03-01 13:00", Bound::Since, now()).unwrap(),
            at(2026, 3, 1, 13)
        );
        assert_eq!(
            parse_bound("1772370000", Bound::Since, now()).unwrap(),
            1_772_370_000
        );
    }

    #[test]
    fn nonsense_and_empty_windows_are_refused() {
        let e = parse_bound("last tuesday", Bound::Since, now()).unwrap_err();
        assert!(e.to_string().contains("7d"), "{e}");
        assert!(parse_bound("7y", Bound::Since, now()).is_err());
        let e = TimeWindow::parse(Some("2026-03-02"), Some("2026-03-01"), now()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "time window: the window is empty: --since 2026-03-02 is 2026-03-02T00:00:00Z, \
             which is not before --until 2026-03-01, 2026-03-02T00:00:00Z (a date given to \
             --until includes that day); did you swap them?"
        );
        // A number without a unit is not a week of Unix seconds.
        let e = parse_bound("7", Bound::Since, now()).unwrap_err();
        assert!(
            e.to_string()
                .contains("Unix second 7 (1970-01-01T00:00:07Z)")
                && e.to_string().contains("7d"),
            "{e}"
        );
        let e = parse_bound("1420070399", Bound::Since, now()).unwrap_err();
        assert!(
            e.to_string().ends_with("give a time of 2015 or later"),
            "{e}"
        );
        let e =
            TimeWindow::parse(Some("2026-03-01T00:00:00Z"), Some("1772323200"), now()).unwrap_err();
        assert!(e.to_string().contains("are the same time"), "{e}");
        assert!(!e.to_string().contains("swap"), "{e}");
        let e = parse_bound("1772370000000", Bound::Until, now()).unwrap_err();
        assert!(e.to_string().contains("write 1772370000"), "{e}");
    }

    #[test]
    fn a_window_outside_the_lake_is_warned_about() {
        let span = Some((at(2026, 3, 1, 0), at(2026, 3, 3, 0)));
        let w = |since, until| TimeWindow { since, until };
        let warning = window_warning(&w(Some(at(2026, 4, 1, 0)), None), span).unwrap();
        assert_eq!(
            warning,
            "the time window 2026-04-01T00:00:00Z .. (open) is after the lake's data, which \
             spans 2026-03-01T00:00:00Z .. 2026-03-03T00:00:00Z: queries will find nothing"
        );
        assert!(
            window_warning(&w(None, Some(at(2026, 3, 1, 0))), span)
                .unwrap()
                .contains("is before the lake's data")
        );
        assert_eq!(
            window_warning(&w(Some(at(2026, 3, 2, 23)), None), span),
            None
        );
        assert_eq!(
            window_warning(&w(Some(at(2026, 4, 1, 0)), None), None),
            None
        );
    }

    #[test]
    fn the_predicate_bounds_partitions_and_start() {
        let w = TimeWindow {
            since: Some(at(2026, 3, 1, 5)),
            until: Some(at(2026, 3, 2, 0)),
        };
        assert_eq!(
            w.predicate(false).unwrap(),
            format!(
                r#"concat("year", "month", "day") >= '20260301' AND "start" >= {} AND concat("year", "month", "day") <= '20260301' AND "start" < {}"#,
                at(2026, 3, 1, 5),
                at(2026, 3, 2, 0)
            )
        );
        assert!(w.predicate(true).unwrap().contains("<= '2026030123'"));
        assert_eq!(TimeWindow::default().predicate(true), None);
    }
}

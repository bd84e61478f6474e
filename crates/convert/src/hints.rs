//! What an input's path says about its records: AWS's S3 layouts carry the account, the
//! region and the date, and AWS's object names carry the 5-minute delivery window.

use chrono::{NaiveDate, NaiveDateTime};

/// Account, region and time read from an input's path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathHints {
    pub account: Option<String>,
    pub region: Option<String>,
    /// Unix seconds: the delivery window in the object name, else the date (and hour) of
    /// the folder.
    pub time: Option<i64>,
}

impl PathHints {
    /// Read hints from a path or key (`/` separated).
    ///
    /// Understands both AWS text layouts:
    /// `AWSLogs/<account>/vpcflowlogs/<region>/<yyyy>/<mm>/<dd>/[<hh>/]` and the Hive form
    /// `AWSLogs/aws-account-id=<a>/aws-service=vpcflowlogs/aws-region=<r>/year=.../month=.../day=.../[hour=.../]`,
    /// and AWS object names `<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDD>T<HHmm>Z_<hash>.log.gz`.
    pub fn from_path(path: &str) -> Self {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut hints = Self::default();
        if let Some(pos) = segments.iter().rposition(|s| *s == "AWSLogs") {
            let rest = skip_org(&segments[pos + 1..]);
            if rest.len() >= 3 && rest[1] == "vpcflowlogs" {
                hints.account = Some(rest[0].to_string());
                hints.region = Some(rest[2].to_string());
                hints.time = folder_time(&rest[3..], Some);
            } else if rest.len() >= 3 && rest[1] == "aws-service=vpcflowlogs" {
                hints.account = rest[0].strip_prefix("aws-account-id=").map(str::to_string);
                hints.region = rest[2].strip_prefix("aws-region=").map(str::to_string);
                let names = ["year=", "month=", "day=", "hour="];
                let tail = &rest[3..];
                hints.time = folder_time(tail, |s| {
                    names.iter().find_map(|prefix| s.strip_prefix(prefix))
                });
            }
        }
        if let Some((account, region, time)) = segments.last().and_then(|n| parse_object_name(n)) {
            hints.account.get_or_insert(account);
            hints.region.get_or_insert(region);
            hints.time = Some(time);
        }
        hints
    }
}

/// Where a path sits in an AWS log layout (`AWSLogs/<account>/<service>/...`), when it is
/// outside the VPC Flow Logs service: the other service's folder name (`CloudTrail`,
/// `Config`, `elasticloadbalancing` ...), or `AWSLogs` for an object beside the service
/// folders. `None` for paths in `vpcflowlogs/` and paths that are not in such a layout.
///
/// Central logging buckets hold every service's logs under one `AWSLogs/`; only
/// `vpcflowlogs` (and its Hive form `aws-service=vpcflowlogs`) holds flow logs (transit
/// gateway ones included). Organization trails add an `o-...` level before the account.
pub(crate) fn other_service(path: &str, is_dir: bool) -> Option<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let pos = segments.iter().rposition(|s| *s == "AWSLogs")?;
    let rest = skip_org(&segments[pos + 1..]);
    let account = rest.first()?;
    let hive = account.starts_with("aws-account-id=");
    if !(hive || account.bytes().all(|b| b.is_ascii_digit()) || is_org_id(account)) {
        return None;
    }
    match rest.get(1) {
        // `AWSLogs/<account>` itself, or an object directly in it.
        None => (!is_dir && rest.len() == 1).then(|| "AWSLogs".to_string()),
        Some(service) => {
            let name = if hive {
                service.strip_prefix("aws-service=").unwrap_or(service)
            } else {
                service
            };
            if name == "vpcflowlogs" {
                return None;
            }
            // An object directly in the account folder is not in any service folder.
            if rest.len() == 2 && !is_dir {
                return Some("AWSLogs".to_string());
            }
            Some(name.to_string())
        }
    }
}

/// The segments after `AWSLogs/`, past an organization's `o-...` level (organization
/// trails and organization-wide deliveries put one before the account).
fn skip_org<'a, 'b>(rest: &'a [&'b str]) -> &'a [&'b str] {
    match rest {
        [org, tail @ ..] if is_org_id(org) && !tail.is_empty() => tail,
        _ => rest,
    }
}

/// `o-` and 10 to 32 lowercase letters or digits: an AWS Organizations id.
fn is_org_id(s: &str) -> bool {
    s.strip_prefix("o-").is_some_and(|id| {
        (10..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// How long after its `start` a record may be delivered. AWS names folders and objects by
/// the time of delivery, which comes after the flow's aggregation interval (up to 10
/// minutes) and a delivery delay (AWS delivers about every 5 minutes): a folder or object
/// dated after the end of a window may still hold records that started in it. An hour
/// covers the delays seen in practice; records delivered later than that, into a folder
/// past `--until`, are not read.
pub const LATE_DELIVERY: i64 = 3_600;

/// The time span a folder of an AWS layout covers, from the date parts its path has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FolderSpan {
    /// Not (yet) inside the date part of an AWS layout: anything may be below.
    Undated,
    /// A year or a month: `[start, end)` in Unix seconds; days are further down.
    Partial { start: i64, end: i64 },
    /// A day (or an hour): every file below it belongs to `[start, end)`.
    Dated { start: i64, end: i64 },
}

impl FolderSpan {
    /// Whether the folder may hold records of `[since, until)`. A record is delivered
    /// after it starts, so a folder that ends before `since` holds none; one that starts
    /// after `until` may, for [`LATE_DELIVERY`].
    pub fn overlaps(self, since: Option<i64>, until: Option<i64>) -> bool {
        match self {
            Self::Undated => true,
            Self::Partial { start, end } | Self::Dated { start, end } => {
                since.is_none_or(|s| end > s)
                    && until.is_none_or(|u| start < u.saturating_add(LATE_DELIVERY))
            }
        }
    }

    /// Whether an AWS object named `name` (its delivery time in the name) may hold records
    /// that start before `until`; names without a time may.
    pub fn object_before(name: &str, until: Option<i64>) -> bool {
        match (until, parse_object_name(name)) {
            (Some(u), Some((_, _, delivered))) => delivered < u.saturating_add(LATE_DELIVERY),
            _ => true,
        }
    }

    /// The span of a folder (a `/`-separated path, with or without a trailing `/`).
    pub fn of(path: &str) -> Self {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let Some(pos) = segments.iter().rposition(|s| *s == "AWSLogs") else {
            return Self::Undated;
        };
        let rest = skip_org(&segments[pos + 1..]);
        let names = ["year=", "month=", "day=", "hour="];
        let parts: Vec<u32> = if rest.len() > 3 && rest[1] == "vpcflowlogs" {
            rest[3..]
                .iter()
                .map_while(|s| s.parse().ok())
                .take(4)
                .collect()
        } else if rest.len() > 3 && rest[1] == "aws-service=vpcflowlogs" {
            rest[3..]
                .iter()
                .zip(names)
                .map_while(|(s, n)| s.strip_prefix(n)?.parse().ok())
                .collect()
        } else {
            return Self::Undated;
        };
        let date = |y: u32, m: u32, d: u32| {
            NaiveDate::from_ymd_opt(y as i32, m, d)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp())
        };
        let span = match *parts.as_slice() {
            [] => return Self::Undated,
            [y] => date(y, 1, 1)
                .zip(date(y + 1, 1, 1))
                .map(|(s, e)| (s, e, false)),
            [y, m] => {
                let (ny, nm) = if m >= 12 { (y + 1, 1) } else { (y, m + 1) };
                date(y, m, 1)
                    .zip(date(ny, nm, 1))
                    .map(|(s, e)| (s, e, false))
            }
            [y, m, d] => date(y, m, d).map(|s| (s, s + 86_400, true)),
            [y, m, d, hour, ..] => date(y, m, d).map(|day| {
                let start = day + i64::from(hour.min(23)) * 3600;
                (start, start + 3600, true)
            }),
        };
        match span {
            Some((start, end, true)) => Self::Dated { start, end },
            Some((start, end, false)) => Self::Partial { start, end },
            // Not a date after all (a folder named 2026 under a region, say).
            None => Self::Undated,
        }
    }
}

/// `yyyy/mm/dd[/hh]` (with the value read out of each segment by `value`).
fn folder_time<'a>(
    segments: &[&'a str],
    value: impl Fn(&'a str) -> Option<&'a str>,
) -> Option<i64> {
    let mut parts = segments.iter().map_while(|s| value(s)?.parse::<u32>().ok());
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let h = parts.next().filter(|h| *h < 24).unwrap_or(0);
    let date = NaiveDate::from_ymd_opt(y as i32, m, d)?;
    Some(date.and_hms_opt(h, 0, 0)?.and_utc().timestamp())
}

/// `<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDD>T<HHmm>Z_<hash>...`
fn parse_object_name(name: &str) -> Option<(String, String, i64)> {
    let mut parts = name.split('_');
    let account = parts.next()?;
    if parts.next()? != "vpcflowlogs" {
        return None;
    }
    let region = parts.next()?;
    let _flow_log_id = parts.next()?;
    let stamp = parts.next()?;
    let time = NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%MZ").ok()?;
    Some((
        account.to_string(),
        region.to_string(),
        time.and_utc().timestamp(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc()
            .timestamp()
    }

    #[test]
    fn plain_aws_layout_and_object_name() {
        let h = PathHints::from_path(
            "bucket/prefix/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/01/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d_20260301T0105Z_1a2b3c4d.log.gz",
        );
        assert_eq!(h.account.as_deref(), Some("123456789012"));
        assert_eq!(h.region.as_deref(), Some("us-east-1"));
        assert_eq!(h.time, Some(ts("2026-03-01 01:05")));
    }

    #[test]
    fn organization_level() {
        let p = "AWSLogs/o-abcdefghij/222233334444/vpcflowlogs/eu-west-1/2026/01/01/a.log";
        let h = PathHints::from_path(p);
        assert_eq!(h.account.as_deref(), Some("222233334444"));
        assert_eq!(h.region.as_deref(), Some("eu-west-1"));
        assert_eq!(h.time, Some(ts("2026-01-01 00:00")));
        assert!(matches!(
            FolderSpan::of("AWSLogs/o-abcdefghij/222233334444/vpcflowlogs/eu-west-1/2026/01/01"),
            FolderSpan::Dated { .. }
        ));
    }

    #[test]
    fn hive_layout_with_hour() {
        let h = PathHints::from_path(
            "/data/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=02/day=28/hour=23/x.log.gz",
        );
        assert_eq!(h.account.as_deref(), Some("111122223333"));
        assert_eq!(h.region.as_deref(), Some("eu-west-1"));
        assert_eq!(h.time, Some(ts("2026-02-28 23:00")));
    }

    #[test]
    fn folder_date_without_aws_object_name() {
        let h = PathHints::from_path("AWSLogs/1/vpcflowlogs/ap-south-1/2025/12/31/flows.txt");
        assert_eq!(h.time, Some(ts("2025-12-31 00:00")));
    }

    #[test]
    fn folder_spans_prune_by_date() {
        let base = "logs/AWSLogs/123456789012/vpcflowlogs/us-east-1";
        assert_eq!(FolderSpan::of(base), FolderSpan::Undated);
        assert_eq!(
            FolderSpan::of(&format!("{base}/2026/")),
            FolderSpan::Partial {
                start: ts("2026-01-01 00:00"),
                end: ts("2027-01-01 00:00")
            }
        );
        assert_eq!(
            FolderSpan::of(&format!("{base}/2026/12")),
            FolderSpan::Partial {
                start: ts("2026-12-01 00:00"),
                end: ts("2027-01-01 00:00")
            }
        );
        let day = FolderSpan::of(&format!("{base}/2026/03/01/"));
        assert_eq!(
            day,
            FolderSpan::Dated {
                start: ts("2026-03-01 00:00"),
                end: ts("2026-03-02 00:00")
            }
        );
        assert!(day.overlaps(Some(ts("2026-03-01 23:00")), None));
        assert!(!day.overlaps(Some(ts("2026-03-02 00:00")), None));
        // Records delivered into a folder start before it, up to LATE_DELIVERY.
        assert!(day.overlaps(None, Some(ts("2026-03-01 00:00"))));
        assert!(!day.overlaps(None, Some(ts("2026-02-28 23:00"))));
        assert!(day.overlaps(None, Some(ts("2026-02-28 23:01"))));
        let name = "123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_20260302T0105Z_a1b2c3d4.log.gz";
        assert!(!FolderSpan::object_before(
            name,
            Some(ts("2026-03-02 00:00"))
        ));
        assert!(FolderSpan::object_before(
            name,
            Some(ts("2026-03-02 00:06"))
        ));
        assert!(FolderSpan::object_before(name, None));
        assert!(FolderSpan::object_before("flows.log", Some(0)));
        let hive = "AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=r/year=2026/month=02/day=28/hour=23";
        assert_eq!(
            FolderSpan::of(hive),
            FolderSpan::Dated {
                start: ts("2026-02-28 23:00"),
                end: ts("2026-03-01 00:00")
            }
        );
        assert_eq!(FolderSpan::of("/tmp/a/b"), FolderSpan::Undated);
        assert!(FolderSpan::Undated.overlaps(Some(0), Some(1)));
    }

    #[test]
    fn other_services_of_a_logging_bucket() {
        let base = "bucket/AWSLogs/123456789012";
        for (path, dir, want) in [
            (format!("{base}/vpcflowlogs"), true, None),
            (
                format!("{base}/vpcflowlogs/us-east-1/2026/x.log.gz"),
                false,
                None,
            ),
            (format!("{base}/CloudTrail"), true, Some("CloudTrail")),
            (
                format!("{base}/elasticloadbalancing/eu-west-1"),
                true,
                Some("elasticloadbalancing"),
            ),
            (
                format!("{base}/ELBAccessLogTestFile"),
                false,
                Some("AWSLogs"),
            ),
            (base.to_string(), true, None),
            (
                "AWSLogs/o-abcdef1234/123456789012/CloudTrail".into(),
                true,
                Some("CloudTrail"),
            ),
            (
                "AWSLogs/o-abcdef1234/123456789012/vpcflowlogs".into(),
                true,
                None,
            ),
            (
                "AWSLogs/aws-account-id=1/aws-service=vpcflowlogs".into(),
                true,
                None,
            ),
            (
                "AWSLogs/aws-account-id=1/aws-service=route53".into(),
                true,
                Some("route53"),
            ),
            // Not an AWS layout: nothing is filtered.
            ("logs/AWSLogs/readme/CloudTrail".into(), true, None),
            ("/data/flows/CloudTrail".into(), true, None),
        ] {
            assert_eq!(other_service(&path, dir).as_deref(), want, "{path}");
        }
    }

    #[test]
    fn no_layout_no_hints() {
        assert_eq!(PathHints::from_path("/tmp/flows.log"), PathHints::default());
        assert_eq!(
            PathHints::from_path("AWSLogs/123/cloudtrail/us-east-1/2025/01/01/x.json.gz"),
            PathHints::default()
        );
    }
}

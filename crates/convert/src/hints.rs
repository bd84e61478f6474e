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
            let rest = &segments[pos + 1..];
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
    fn no_layout_no_hints() {
        assert_eq!(PathHints::from_path("/tmp/flows.log"), PathHints::default());
        assert_eq!(
            PathHints::from_path("AWSLogs/123/cloudtrail/us-east-1/2025/01/01/x.json.gz"),
            PathHints::default()
        );
    }
}

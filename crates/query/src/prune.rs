//! Partition pruning from predicates on `start`.
//!
//! The converter puts each record in the partition of its `start` (of its `end` when it
//! has no `start`; `crates/convert/src/partition.rs`), so a query's bounds on `start` say
//! which day or hour folders can hold a matching row, as `--since`/`--until` do. Athena
//! users write those bounds on the columns rather than on `year`/`month`/`day`:
//!
//! ```sql
//! WHERE "start" >= to_unixtime(TIMESTAMP '2026-03-01 00:00:00')
//! WHERE from_unixtime("start") > TIMESTAMP '2026-03-01 12:00:00'
//! WHERE "start" BETWEEN 1772323200 AND 1772409599
//! ```
//!
//! DataFusion folds the constant side and rewrites `BETWEEN` before a scan sees the
//! filter; [`time_range`] reads what is left. Bounds on `end` are not used: AWS never
//! writes an `end` before its `start`, but the decoder keeps such a record as written, in
//! the folder of its `start`, where an upper bound on `end` would wrongly skip it. Bounds
//! are whole seconds, as `start` is, computed in integers (a timestamp literal's fraction
//! decides `<` against `<=`).

use chrono::NaiveDate;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator};

/// Seconds since the Unix epoch, both ends included; `None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeRange {
    pub lo: Option<i64>,
    pub hi: Option<i64>,
}

impl TimeRange {
    const ALL: TimeRange = TimeRange { lo: None, hi: None };

    fn intersect(self, other: TimeRange) -> TimeRange {
        TimeRange {
            lo: match (self.lo, other.lo) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
            hi: match (self.hi, other.hi) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }

    /// The smallest range holding both (for `OR`).
    fn hull(self, other: TimeRange) -> TimeRange {
        TimeRange {
            lo: self.lo.zip(other.lo).map(|(a, b)| a.min(b)),
            hi: self.hi.zip(other.hi).map(|(a, b)| a.max(b)),
        }
    }

    pub fn is_bounded(&self) -> bool {
        self.lo.is_some() || self.hi.is_some()
    }

    /// Whether `[lo, hi]` (a file's least and greatest value) holds a time of this range.
    pub fn meets(&self, (lo, hi): (i64, i64)) -> bool {
        self.lo.is_none_or(|l| hi >= l) && self.hi.is_none_or(|h| lo <= h)
    }

    /// Whether `[start, start + len)` can hold a time of this range.
    pub fn overlaps(&self, start: i64, len: i64) -> bool {
        self.lo.is_none_or(|lo| start + len > lo) && self.hi.is_none_or(|hi| start <= hi)
    }
}

/// The times of `start` a row passing every filter of `filters` can have (the filters
/// of one scan, joined by `AND`).
pub(crate) fn time_range(filters: &[Expr]) -> TimeRange {
    column_range(filters, "start")
}

/// The values of the seconds column `column` (`start` or `end`) a row passing every filter
/// of `filters` can have.
pub(crate) fn column_range(filters: &[Expr], column: &str) -> TimeRange {
    filters
        .iter()
        .fold(TimeRange::ALL, |r, f| r.intersect(range_of(f, column)))
}

fn range_of(expr: &Expr, column: &str) -> TimeRange {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            Operator::And => range_of(left, column).intersect(range_of(right, column)),
            Operator::Or => range_of(left, column).hull(range_of(right, column)),
            _ => comparison(left, *op, right, column)
                .or_else(|| op.swap().and_then(|op| comparison(right, op, left, column)))
                .unwrap_or(TimeRange::ALL),
        },
        Expr::Between(b) if !b.negated => {
            let lo = comparison(&b.expr, Operator::GtEq, &b.low, column).unwrap_or(TimeRange::ALL);
            let hi = comparison(&b.expr, Operator::LtEq, &b.high, column).unwrap_or(TimeRange::ALL);
            lo.intersect(hi)
        }
        _ => TimeRange::ALL,
    }
}

/// How an expression holds `start`: as the number of seconds, or as the instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Seconds,
    Instant,
}

/// How `expr` holds `start`: the column and casts to wider numbers keep the seconds,
/// `from_unixtime` turns them into an instant, and casts between timestamp types keep
/// the instant. Any other cast (to a date, a narrower integer, a number to a timestamp,
/// which Arrow reads as nanoseconds) is not read through.
fn start_kind(expr: &Expr, column: &str) -> Option<Kind> {
    let cast = |inner: &Expr, to: &DataType| {
        let kind = start_kind(inner, column)?;
        match (kind, to) {
            (Kind::Seconds, DataType::Int64 | DataType::Float64 | DataType::Decimal128(..))
            | (Kind::Instant, DataType::Timestamp(..)) => Some(kind),
            _ => None,
        }
    };
    match expr {
        Expr::Column(c) if c.name == column => Some(Kind::Seconds),
        Expr::Cast(c) => cast(&c.expr, c.field.data_type()),
        Expr::TryCast(c) => cast(&c.expr, c.field.data_type()),
        Expr::ScalarFunction(f) if f.name() == "from_unixtime" && f.args.len() == 1 => {
            (start_kind(&f.args[0], column)? == Kind::Seconds).then_some(Kind::Instant)
        }
        _ => None,
    }
}

/// A constant of `kind` in seconds: whole seconds, rounded down, and whether a fraction
/// was cut. A number for [`Kind::Seconds`], a timestamp for [`Kind::Instant`].
fn seconds(expr: &Expr, kind: Kind) -> Option<(i64, bool)> {
    let Expr::Literal(value, _) = expr else {
        return None;
    };
    let whole = |v: i64| (v, false);
    let per = |v: i64, per_second: i64| (v.div_euclid(per_second), v.rem_euclid(per_second) != 0);
    Some(match (kind, value) {
        (Kind::Seconds, ScalarValue::Int64(Some(v)))
        | (Kind::Instant, ScalarValue::TimestampSecond(Some(v), _)) => whole(*v),
        (Kind::Seconds, ScalarValue::Int32(Some(v))) => whole(i64::from(*v)),
        (Kind::Seconds, ScalarValue::UInt32(Some(v))) => whole(i64::from(*v)),
        (Kind::Seconds, ScalarValue::UInt64(Some(v))) => whole(i64::try_from(*v).ok()?),
        (Kind::Seconds, ScalarValue::Float64(Some(v))) => {
            // Within ±2^53 every whole f64 is exact, and so is its floor.
            if !v.is_finite() || v.abs() > 9.0e15 {
                return None;
            }
            (v.floor() as i64, v.fract() != 0.0)
        }
        (Kind::Instant, ScalarValue::TimestampMillisecond(Some(v), _)) => per(*v, 1_000),
        (Kind::Instant, ScalarValue::TimestampMicrosecond(Some(v), _)) => per(*v, 1_000_000),
        (Kind::Instant, ScalarValue::TimestampNanosecond(Some(v), _)) => per(*v, 1_000_000_000),
        _ => return None,
    })
}

/// `column op constant`, as a range of `start` (whole seconds, as `start` is).
fn comparison(expr: &Expr, op: Operator, constant: &Expr, column: &str) -> Option<TimeRange> {
    let (t, fraction) = seconds(constant, start_kind(expr, column)?)?;
    let range = match op {
        // Past the ends of i64 no bound is kept (the range stays open, never wrong).
        Operator::Gt => TimeRange {
            lo: Some(t.checked_add(1)?),
            hi: None,
        },
        Operator::GtEq => TimeRange {
            lo: Some(t.checked_add(i64::from(fraction))?),
            hi: None,
        },
        Operator::Lt => TimeRange {
            lo: None,
            hi: Some(t.checked_sub(i64::from(!fraction))?),
        },
        Operator::LtEq => TimeRange {
            lo: None,
            hi: Some(t),
        },
        // A fraction of a second equals no whole second: the range is empty.
        Operator::Eq => TimeRange {
            lo: Some(t.checked_add(i64::from(fraction))?),
            hi: Some(t),
        },
        _ => return None,
    };
    Some(range)
}

/// The first second of a file's time partition, from its partition values (`year`,
/// `month`, `day` and, in per-hour lakes, `hour`, after the account, service and region);
/// `None` when they are not a date (Hive's default partition).
pub(crate) fn partition_start(values: &[Option<String>]) -> Option<i64> {
    let num = |i: usize| -> Option<u32> { values.get(i)?.as_deref()?.parse().ok() };
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(3)?).ok()?, num(4)?, num(5)?)?;
    let hour = match values.get(6) {
        None => 0,
        Some(_) => num(6).filter(|h| *h < 24)?,
    };
    Some(date.and_hms_opt(hour, 0, 0)?.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::common::tree_node::TreeNode;
    use datafusion::prelude::SessionContext;

    /// The filters DataFusion hands the scan for `WHERE <sql>`.
    async fn filters(sql: &str) -> Vec<Expr> {
        let ctx = SessionContext::new();
        ctx.sql(
            r#"CREATE TABLE t ("start" BIGINT, "end" BIGINT, srcaddr VARCHAR) AS VALUES (1, 2, 'a')"#,
        )
        .await
        .unwrap();
        let plan = ctx
            .sql(&format!("SELECT srcaddr FROM t WHERE {sql}"))
            .await
            .unwrap()
            .into_optimized_plan()
            .unwrap();
        let mut found = Vec::new();
        plan.apply(|node| {
            if let datafusion::logical_expr::LogicalPlan::Filter(f) = node {
                found.extend(datafusion::logical_expr::utils::split_conjunction_owned(
                    f.predicate.clone(),
                ));
            }
            Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
        })
        .unwrap();
        found
    }

    async fn range(sql: &str) -> (Option<i64>, Option<i64>) {
        let r = time_range(&filters(sql).await);
        (r.lo, r.hi)
    }

    const MAR1: i64 = 1_772_323_200;
    const MAR2: i64 = MAR1 + 86_400;

    #[tokio::test]
    async fn bounds_of_the_forms_athena_users_write() {
        assert_eq!(
            range(r#""start" >= to_unixtime(TIMESTAMP '2026-03-01 00:00:00')"#).await,
            (Some(MAR1), None)
        );
        assert_eq!(
            range(r#"from_unixtime("start") > TIMESTAMP '2026-03-01 00:00:00'"#).await,
            (Some(MAR1 + 1), None)
        );
        assert_eq!(
            range(&format!(r#"CAST("start" AS DOUBLE) < {MAR2}.5"#)).await,
            (None, Some(MAR2))
        );
        assert_eq!(
            range(&format!(r#""start" BETWEEN {MAR1} AND {}"#, MAR2 - 1)).await,
            (Some(MAR1), Some(MAR2 - 1))
        );
        assert_eq!(
            range(&format!(r#"{MAR1} <= "start" AND "end" < {MAR2}"#)).await,
            (Some(MAR1), None)
        );
        assert_eq!(
            range(&format!(r#"CAST("start" AS DOUBLE) >= {MAR1}.25"#)).await,
            (Some(MAR1 + 1), None)
        );
        assert_eq!(
            range(&format!(r#""start" = {MAR1}"#)).await,
            (Some(MAR1), Some(MAR1))
        );
        assert_eq!(
            range(&format!(
                r#"("start" >= {MAR1} AND "start" < {MAR2}) OR ("start" >= {} AND "start" < {})"#,
                MAR2 + 86_400,
                MAR2 + 2 * 86_400
            ))
            .await,
            (Some(MAR1), Some(MAR2 + 2 * 86_400 - 1))
        );
    }

    #[tokio::test]
    async fn what_does_not_bound_start_is_left_open() {
        // Bounds on `end` say nothing of `start` a record may hold.
        assert_eq!(range(&format!(r#""end" > {MAR1}"#)).await, (None, None));
        assert_eq!(range(&format!(r#""end" < {MAR1}"#)).await, (None, None));
        // One side of an OR open: the whole OR is.
        assert_eq!(
            range(&format!(r#""start" >= {MAR1} OR srcaddr = 'x'"#)).await,
            (None, None)
        );
        assert_eq!(range(&format!(r#"NOT ("start" >= {MAR1})"#)).await.0, None);
        assert_eq!(range(&format!(r#""start" <> {MAR1}"#)).await, (None, None));
        // At the ends of BIGINT: no bound, no overflow.
        assert_eq!(
            range(r#""start" > 9223372036854775807"#).await,
            (None, None)
        );
        assert_eq!(
            range(r#""start" < -9223372036854775808"#).await,
            (None, None)
        );
        assert_eq!(range("srcaddr = '10.0.0.1'").await, (None, None));
        // Casts that change the unit: Arrow reads a number cast to a timestamp as
        // nanoseconds.
        assert_eq!(
            range(
                r#"CAST(CAST("start" AS DOUBLE) AS TIMESTAMP) < TIMESTAMP '2026-03-01 00:00:00'"#
            )
            .await,
            (None, None)
        );
        assert_eq!(
            range(&format!(
                r#"CAST(CAST("start" AS TIMESTAMP) AS DOUBLE) > {MAR1}"#
            ))
            .await,
            (None, None)
        );
        // A cast that changes values (to a date, a narrower integer) is not read through.
        assert_eq!(
            range(r#"CAST(from_unixtime("start") AS DATE) >= DATE '2026-03-01'"#).await,
            (None, None)
        );
    }

    #[test]
    fn partitions_and_overlap() {
        let day = |d: &str| {
            ["111122223333", "vpcflowlogs", "us-east-1", "2026", "03", d]
                .map(|v| Some(v.to_string()))
                .to_vec()
        };
        assert_eq!(partition_start(&day("01")), Some(MAR1));
        let mut hour = day("01");
        hour.push(Some("05".to_string()));
        assert_eq!(partition_start(&hour), Some(MAR1 + 5 * 3600));
        let mut default = day("01");
        default[5] = None;
        assert_eq!(partition_start(&default), None);

        let r = TimeRange {
            lo: Some(MAR2),
            hi: None,
        };
        assert!(!r.overlaps(MAR1, 86_400), "the day before is skipped");
        assert!(r.overlaps(MAR2, 86_400));
        let r = TimeRange {
            lo: None,
            hi: Some(MAR2),
        };
        assert!(r.overlaps(MAR2, 86_400), "its first second is in the day");
        assert!(!r.overlaps(MAR2 + 1, 86_400));
    }
}

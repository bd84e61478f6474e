//! Functions flow-log analysts write on Athena (Trino) that DataFusion lacks or spells
//! differently, and IP and protocol helpers.
//!
//! | function | meaning | Athena equivalent |
//! |---|---|---|
//! | `to_iso8601(ts)` | `2026-03-01T13:45:07.000Z` | `to_iso8601(ts)` |
//! | `date_format(ts, fmt)` | MySQL-style format (`%Y-%m-%d %H:%i:%s`) | `date_format(ts, fmt)` |
//! | `day_of_week(ts)` | ISO day of week, Monday 1 .. Sunday 7 | `day_of_week(ts)` |
//! | `count_if(cond)` | rows where `cond` is true | `count_if(cond)` |
//! | `cidr_contains(cidr, ip)` | `ip` is in the IPv4 or IPv6 block `cidr` | `contains(cidr, CAST(ip AS IPADDRESS))` |
//! | `is_private_ip(ip)` | RFC 1918, CGNAT, loopback, link-local, IPv6 ULA | `cidr`-based `contains(...)` chains |
//! | `protocol_name(n)` | `TCP`, `UDP`, `ICMP`, ... (else the number) | a `CASE` on `protocol` |
//! | `tcp_flags_names(n)` | `SYN`, `SYN-ACK`, `FIN`, `RST`, comma-joined | `bitwise_and` tests |
//!
//! DataFusion already provides `from_unixtime`, `date_trunc`, `split_part`,
//! `approx_distinct` and `regexp_like` with Athena's meaning. Its own `date_format` is an
//! alias of `to_char` with chrono's format letters, where `%i` and `%s` mean something
//! else; flowlake's `date_format` replaces it with Athena's.

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Datelike};
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, BooleanBuilder, Int64Array, StringArray, StringBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility, create_udaf,
};
use datafusion::prelude::SessionContext;
use ipnet::IpNet;

/// Register every flowlake function on `ctx`.
pub fn register(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::from(Udf::new("to_iso8601", 1, Kind::ToIso8601)));
    ctx.register_udf(ScalarUDF::from(Udf::new(
        "date_format",
        2,
        Kind::DateFormat,
    )));
    ctx.register_udf(ScalarUDF::from(Udf::new("day_of_week", 1, Kind::DayOfWeek)));
    ctx.register_udf(ScalarUDF::from(Udf::new(
        "cidr_contains",
        2,
        Kind::CidrContains,
    )));
    ctx.register_udf(ScalarUDF::from(Udf::new(
        "is_private_ip",
        1,
        Kind::IsPrivateIp,
    )));
    ctx.register_udf(ScalarUDF::from(Udf::new(
        "protocol_name",
        1,
        Kind::ProtocolName,
    )));
    ctx.register_udf(ScalarUDF::from(Udf::new(
        "tcp_flags_names",
        1,
        Kind::TcpFlagsNames,
    )));
    ctx.register_udaf(count_if());
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    ToIso8601,
    DateFormat,
    DayOfWeek,
    CidrContains,
    IsPrivateIp,
    ProtocolName,
    TcpFlagsNames,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Udf {
    name: &'static str,
    kind: Kind,
    signature: Signature,
}

impl Udf {
    fn new(name: &'static str, arity: usize, kind: Kind) -> Self {
        Self {
            name,
            kind,
            signature: Signature::any(arity, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Udf {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::ToIso8601 | Kind::DateFormat | Kind::ProtocolName | Kind::TcpFlagsNames => {
                DataType::Utf8
            }
            Kind::DayOfWeek => DataType::Int64,
            Kind::CidrContains | Kind::IsPrivateIp => DataType::Boolean,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let out: ArrayRef = match self.kind {
            Kind::ToIso8601 => map_time(&arrays[0], |t| {
                Some(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            })?,
            Kind::DateFormat => date_format(&arrays[0], &arrays[1])?,
            Kind::DayOfWeek => {
                let millis = millis(&arrays[0])?;
                Arc::new(
                    millis
                        .iter()
                        .map(|m| {
                            m.and_then(DateTime::from_timestamp_millis)
                                .map(|t| i64::from(t.weekday().number_from_monday()))
                        })
                        .collect::<Int64Array>(),
                )
            }
            Kind::CidrContains => cidr_contains(&arrays[0], &arrays[1])?,
            Kind::IsPrivateIp => {
                let ips = strings(&arrays[0])?;
                Arc::new(
                    ips.iter()
                        .map(|ip| ip.and_then(|s| IpAddr::from_str(s).ok()).map(is_private))
                        .collect::<BooleanArray>(),
                )
            }
            Kind::ProtocolName => {
                let n = ints(&arrays[0])?;
                Arc::new(
                    n.iter()
                        .map(|p| p.map(protocol_name))
                        .collect::<StringArray>(),
                )
            }
            Kind::TcpFlagsNames => {
                let n = ints(&arrays[0])?;
                Arc::new(
                    n.iter()
                        .map(|f| f.map(tcp_flags_names))
                        .collect::<StringArray>(),
                )
            }
        };
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

fn strings(a: &ArrayRef) -> Result<StringArray> {
    let c = cast(a, &DataType::Utf8)?;
    Ok(c.as_any()
        .downcast_ref::<StringArray>()
        .expect("cast to Utf8")
        .clone())
}

fn ints(a: &ArrayRef) -> Result<Int64Array> {
    let c = cast(a, &DataType::Int64)?;
    Ok(c.as_any()
        .downcast_ref::<Int64Array>()
        .expect("cast to Int64")
        .clone())
}

/// Milliseconds since the epoch of a timestamp or date argument (integers are seconds, as
/// flow-log `start` and `end` are).
fn millis(a: &ArrayRef) -> Result<Int64Array> {
    let ms = match a.data_type() {
        DataType::Int32 | DataType::Int64 | DataType::UInt32 | DataType::UInt64 => {
            let secs = ints(a)?;
            Arc::new(
                secs.iter()
                    .map(|s| s.and_then(|s| s.checked_mul(1000)))
                    .collect::<Int64Array>(),
            )
        }
        // An untyped NULL literal: NULL out, as on Athena.
        DataType::Null => Arc::new(Int64Array::new_null(a.len())),
        DataType::Timestamp(_, _)
        | DataType::Date32
        | DataType::Date64
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View => cast(
            &cast(a, &DataType::Timestamp(TimeUnit::Millisecond, None))?,
            &DataType::Int64,
        )?,
        other => return exec_err!("expected a timestamp, got {other}"),
    };
    Ok(ms
        .as_any()
        .downcast_ref::<Int64Array>()
        .expect("Int64")
        .clone())
}

fn map_time(a: &ArrayRef, f: impl Fn(DateTime<chrono::Utc>) -> Option<String>) -> Result<ArrayRef> {
    let ms = millis(a)?;
    let mut out = StringBuilder::with_capacity(ms.len(), ms.len() * 24);
    for m in &ms {
        out.append_option(m.and_then(DateTime::from_timestamp_millis).and_then(&f));
    }
    Ok(Arc::new(out.finish()))
}

/// Athena's `date_format` specifiers (`MySQL`'s), translated to chrono's.
fn mysql_to_chrono(fmt: &str) -> Result<String> {
    let mut out = String::with_capacity(fmt.len() + 8);
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            return exec_err!("date_format: a format cannot end with %");
        };
        out.push_str(match spec {
            'a' => "%a",
            'b' => "%b",
            'c' => "%-m",
            'd' => "%d",
            'e' => "%-d",
            'f' => "%6f",
            'H' | 'k' => "%H",
            'h' | 'I' => "%I",
            'l' => "%-I",
            'i' => "%M",
            'j' => "%j",
            'M' => "%B",
            'm' => "%m",
            'p' => "%p",
            'r' => "%I:%M:%S %p",
            'S' | 's' => "%S",
            'T' => "%H:%M:%S",
            'W' => "%A",
            'Y' => "%Y",
            'y' => "%y",
            '%' => "%%",
            other => {
                return exec_err!("date_format: specifier %{other} is not supported");
            }
        });
    }
    Ok(out)
}

fn date_format(ts: &ArrayRef, fmt: &ArrayRef) -> Result<ArrayRef> {
    let ms = millis(ts)?;
    let fmts = strings(fmt)?;
    let mut out = StringBuilder::with_capacity(ms.len(), ms.len() * 20);
    let mut cache: Option<(String, String)> = None;
    for (m, f) in ms.iter().zip(fmts.iter()) {
        let (Some(m), Some(f)) = (m, f) else {
            out.append_null();
            continue;
        };
        if cache.as_ref().is_none_or(|(mysql, _)| mysql != f) {
            cache = Some((f.to_string(), mysql_to_chrono(f)?));
        }
        let chrono_fmt = &cache.as_ref().expect("filled above").1;
        match DateTime::from_timestamp_millis(m) {
            Some(t) => out.append_value(t.format(chrono_fmt).to_string()),
            None => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

fn cidr_contains(cidr: &ArrayRef, ip: &ArrayRef) -> Result<ArrayRef> {
    let cidrs = strings(cidr)?;
    let ips = strings(ip)?;
    let mut out = BooleanBuilder::with_capacity(ips.len());
    let mut cache: Option<(String, IpNet)> = None;
    for (c, i) in cidrs.iter().zip(ips.iter()) {
        let (Some(c), Some(i)) = (c, i) else {
            out.append_null();
            continue;
        };
        if cache.as_ref().is_none_or(|(text, _)| text != c) {
            let net = parse_cidr(c)?;
            cache = Some((c.to_string(), net));
        }
        let net = cache.as_ref().expect("filled above").1;
        // An address that is not an address (`-` became NULL; anything else) is in no block.
        out.append_value(IpAddr::from_str(i).is_ok_and(|a| net.contains(&a)));
    }
    Ok(Arc::new(out.finish()))
}

/// A CIDR block, or a bare address as a /32 (/128).
fn parse_cidr(text: &str) -> Result<IpNet> {
    if let Ok(net) = IpNet::from_str(text) {
        return Ok(net.trunc());
    }
    if let Ok(addr) = IpAddr::from_str(text) {
        return Ok(IpNet::from(addr));
    }
    exec_err!("cidr_contains: `{text}` is not a CIDR block (like 10.0.0.0/8 or 2001:db8::/32)")
}

/// Addresses that never route on the public internet (RFC 1918, CGNAT, loopback,
/// link-local, IPv6 unique-local): what `is_private_ip` answers.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            a.is_loopback()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || a.to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// IANA protocol numbers seen in flow logs.
pub fn protocol_name(n: i64) -> String {
    match n {
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPv4",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "ICMPv6",
        89 => "OSPF",
        103 => "PIM",
        112 => "VRRP",
        132 => "SCTP",
        _ => return n.to_string(),
    }
    .to_string()
}

/// AWS's tcp-flags bitmask (OR-ed over the aggregation interval) as names: FIN 1, SYN 2,
/// RST 4, and SYN-ACK 18 (AWS reports ACK only together with SYN).
pub fn tcp_flags_names(n: i64) -> String {
    const FIN: i64 = 0b0_0001;
    const SYN: i64 = 0b0_0010;
    const RST: i64 = 0b0_0100;
    const SYN_ACK: i64 = 0b1_0010;
    let mut names = Vec::new();
    if n & SYN_ACK == SYN_ACK {
        names.push("SYN-ACK");
    } else if n & SYN != 0 {
        names.push("SYN");
    }
    if n & FIN != 0 {
        names.push("FIN");
    }
    if n & RST != 0 {
        names.push("RST");
    }
    names.join(",")
}

/// `count_if(cond)`: the number of rows for which `cond` is true.
fn count_if() -> AggregateUDF {
    create_udaf(
        "count_if",
        vec![DataType::Boolean],
        Arc::new(DataType::Int64),
        Volatility::Immutable,
        Arc::new(|_| Ok(Box::<CountIf>::default())),
        Arc::new(vec![DataType::Int64]),
    )
}

#[derive(Debug, Default)]
struct CountIf(i64);

impl Accumulator for CountIf {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let b = values[0]
            .as_any()
            .downcast_ref::<BooleanArray>()
            .expect("declared Boolean");
        self.0 += b.iter().filter(|v| *v == Some(true)).count() as i64;
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(self.0)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Int64(Some(self.0))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let s = states[0]
            .as_any()
            .downcast_ref::<Int64Array>()
            .expect("state is Int64");
        self.0 += s.iter().flatten().sum::<i64>();
        Ok(())
    }
}

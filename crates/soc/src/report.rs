//! `flowlake report`: one self-contained HTML page of what an analyst looks at first.
//!
//! Everything is computed by aggregate queries over `vpc_flow_logs` (no row is loaded into
//! the report but the findings'), and drawn as inline SVG with `plotters`: the page fetches
//! nothing (no script, font or style sheet from elsewhere) and prints as it shows.
//!
//! Every chart is a `<figure class="chart" data-chart="NAME">` followed by the table of the
//! numbers it draws, `<table class="data" data-table="NAME">`, whose cells carry the raw
//! value in `data-value`: the numbers can be read (and checked) without the picture.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::prelude::SessionContext;
use plotters::prelude::*;

/// Ports whose accepted traffic the report lists: remote administration, databases and
/// search clusters that should not face the internet.
pub const ADMIN_PORTS: [u16; 13] = [
    22, 23, 445, 1433, 3306, 3389, 5432, 5900, 5985, 5986, 6379, 9200, 27017,
];

/// Rows of one finding shown in the page (the rest are a command away).
pub const MAX_FINDING_ROWS: usize = 50;

/// Bytes summed without wrapping: a hostile record near 2^63 bytes must not turn a total
/// negative; past the largest 64-bit integer the total stays there.
const BYTES_TOTAL: &str =
    "CAST(least(coalesce(sum(CAST(bytes AS DECIMAL(38,0))), 0), 9223372036854775807) AS BIGINT)";

/// A table cell: a number (kept raw in `data-value`) or text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    Text(String),
    Null,
}

impl Cell {
    fn raw(&self) -> String {
        match self {
            Cell::Int(n) => n.to_string(),
            Cell::Text(t) => t.clone(),
            Cell::Null => String::new(),
        }
    }
}

/// One table of the report.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// `data-table` name.
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    fn ints(&self, name: &str) -> Vec<i64> {
        let Some(i) = self.column(name) else {
            return Vec::new();
        };
        self.rows
            .iter()
            .map(|r| match &r[i] {
                Cell::Int(n) => *n,
                _ => 0,
            })
            .collect()
    }

    fn texts(&self, name: &str) -> Vec<String> {
        let Some(i) = self.column(name) else {
            return Vec::new();
        };
        self.rows.iter().map(|r| r[i].raw()).collect()
    }
}

/// What became of one detection hunt.
#[derive(Debug, Clone)]
pub struct HuntOutcome {
    pub name: String,
    pub title: String,
    pub severity: String,
    /// `found`, `quiet`, `skipped`, `inconclusive`, `not-applicable`, `error`.
    pub status: String,
    pub reason: Option<String>,
    pub rows: Option<usize>,
    /// The rows, for a hunt that found something.
    pub table: Option<Table>,
}

/// Everything the page shows.
#[derive(Debug, Clone, Default)]
pub struct ReportData {
    pub lake: String,
    pub window: String,
    pub generated: String,
    pub coverage: Vec<(String, String)>,
    pub gaps: Table,
    pub traffic: Table,
    pub top_out: Table,
    pub top_in: Table,
    pub rejected_ports: Table,
    pub rejected_sources: Table,
    pub admin_ports: Table,
    pub hunts: Vec<HuntOutcome>,
    /// What a command needs to read the same data (`--lake L --since ...`): added to each
    /// row's pivot and to the commands the page prints.
    pub lake_args: String,
}

/// The rows of `sql` as a [`Table`] named `name` (integers as numbers, the rest as text).
pub async fn query_table(ctx: &SessionContext, name: &str, sql: &str) -> Result<Table> {
    let df = ctx.sql(sql).await?;
    let columns: Vec<String> = df
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let batches = df.collect().await?;
    Ok(Table {
        name: name.to_string(),
        rows: rows_of(&batches)?,
        columns,
    })
}

/// Rows of batches as cells.
pub fn rows_of(batches: &[RecordBatch]) -> Result<Vec<Vec<Cell>>> {
    let mut rows = Vec::new();
    for b in batches {
        let cols: Vec<(bool, datafusion::arrow::array::ArrayRef)> = b
            .columns()
            .iter()
            .map(|c| {
                let int = c.data_type().is_integer();
                let target = if int { DataType::Int64 } else { DataType::Utf8 };
                cast(c, &target).map(|a| (int, a))
            })
            .collect::<std::result::Result<_, _>>()?;
        for i in 0..b.num_rows() {
            rows.push(
                cols.iter()
                    .map(|(int, a)| {
                        if a.is_null(i) {
                            Cell::Null
                        } else if *int {
                            Cell::Int(
                                a.as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                                    .value(i),
                            )
                        } else {
                            Cell::Text(a.as_string::<i32>().value(i).to_string())
                        }
                    })
                    .collect(),
            );
        }
    }
    Ok(rows)
}

/// Run the report's queries over `vpc_flow_logs` on `ctx`: traffic by hour, top talkers,
/// rejected traffic, admin ports, coverage and gaps. `top` rows per top-N table.
pub async fn gather(ctx: &SessionContext, top: usize) -> Result<ReportData> {
    // Flows are records that carry traffic: NODATA and SKIPDATA records (no bytes) are
    // not counted, nor records without a time.
    let mut d = ReportData {
        traffic: query_table(
        ctx,
        "traffic",
        &format!(
            "SELECT to_char(to_timestamp_seconds(\"start\" - \"start\" % 3600), '%Y-%m-%dT%H:00:00Z') AS hour, \
                count(*) AS flows, {BYTES_TOTAL} AS bytes, \
                count_if(action = 'REJECT') AS rejected \
         FROM vpc_flow_logs WHERE \"start\" IS NOT NULL AND bytes IS NOT NULL \
         GROUP BY \"start\" - \"start\" % 3600 ORDER BY 1"
        ),
    )
    .await?,
        ..ReportData::default()
    };
    let talkers = |col: &str| {
        format!(
            "SELECT {col} AS address, {BYTES_TOTAL} AS bytes, count(*) AS flows \
             FROM vpc_flow_logs WHERE {col} IS NOT NULL AND bytes IS NOT NULL \
             GROUP BY {col} ORDER BY bytes DESC, address LIMIT {top}"
        )
    };
    d.top_out = query_table(ctx, "top-talkers-out", &talkers("srcaddr")).await?;
    d.top_in = query_table(ctx, "top-talkers-in", &talkers("dstaddr")).await?;
    d.rejected_ports = query_table(
        ctx,
        "rejected-ports",
        &format!(
            "SELECT dstport AS port, protocol_name(protocol) AS protocol, count(*) AS flows, \
                    count(DISTINCT srcaddr) AS sources \
             FROM vpc_flow_logs WHERE action = 'REJECT' AND dstport IS NOT NULL \
             GROUP BY dstport, protocol ORDER BY flows DESC, port, protocol LIMIT {top}"
        ),
    )
    .await?;
    d.rejected_sources = query_table(
        ctx,
        "rejected-sources",
        &format!(
            "SELECT srcaddr AS address, count(*) AS flows, count(DISTINCT dstport) AS ports \
             FROM vpc_flow_logs WHERE action = 'REJECT' AND srcaddr IS NOT NULL \
             GROUP BY srcaddr ORDER BY flows DESC, address LIMIT {top}"
        ),
    )
    .await?;
    let ports = ADMIN_PORTS
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    d.admin_ports = query_table(
        ctx,
        "admin-ports",
        &format!(
            "SELECT dstport AS port, count(*) AS flows, {BYTES_TOTAL} AS bytes, \
                    count(DISTINCT srcaddr) AS sources, \
                    count(DISTINCT CASE WHEN NOT is_private_ip(srcaddr) THEN srcaddr END) AS public_sources \
             FROM vpc_flow_logs WHERE action = 'ACCEPT' AND dstport IN ({ports}) \
             GROUP BY dstport ORDER BY flows DESC, port"
        ),
    )
    .await?;
    let cov = query_table(
        ctx,
        "coverage",
        "SELECT count(*) AS records, \
                count(DISTINCT \"aws-account-id\") AS accounts, \
                count(DISTINCT \"aws-region\") AS regions, \
                count(DISTINCT interface_id) AS interfaces, \
                to_iso8601(from_unixtime(min(\"start\"))) AS first_seen, \
                to_iso8601(from_unixtime(max(\"end\"))) AS last_seen, \
                array_to_string(array_sort(array_agg(DISTINCT CAST(\"version\" AS VARCHAR))), ', ') AS versions, \
                array_to_string(array_sort(array_agg(DISTINCT \"aws-account-id\")), ', ') AS account_ids, \
                array_to_string(array_sort(array_agg(DISTINCT \"aws-region\")), ', ') AS region_names \
         FROM vpc_flow_logs",
    )
    .await?;
    if let Some(row) = cov.rows.first() {
        d.coverage = cov
            .columns
            .iter()
            .zip(row)
            .map(|(k, v)| (k.clone(), v.raw()))
            .collect();
    }
    d.gaps = gaps(ctx).await?;
    Ok(d)
}

/// Hours without any record of an (account, region) between its first and last hour:
/// delivery stopped, a flow log was deleted, or the conversion missed files.
async fn gaps(ctx: &SessionContext) -> Result<Table> {
    let hours = query_table(
        ctx,
        "hours",
        "SELECT \"aws-account-id\" AS account, \"aws-region\" AS region, \
                \"start\" - \"start\" % 3600 AS hour \
         FROM vpc_flow_logs WHERE \"start\" IS NOT NULL \
         GROUP BY 1, 2, 3",
    )
    .await?;
    let mut seen: BTreeMap<(String, String), BTreeSet<i64>> = BTreeMap::new();
    for r in &hours.rows {
        if let Cell::Int(h) = r[2] {
            seen.entry((r[0].raw(), r[1].raw())).or_default().insert(h);
        }
    }
    let iso = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:00:00Z")
            .to_string()
    };
    let mut rows = Vec::new();
    for ((account, region), hs) in &seen {
        let v: Vec<i64> = hs.iter().copied().collect();
        for w in v.windows(2) {
            if w[1] - w[0] > 3600 {
                rows.push(vec![
                    Cell::Text(account.clone()),
                    Cell::Text(region.clone()),
                    Cell::Text(iso(w[0] + 3600)),
                    Cell::Text(iso(w[1])),
                    Cell::Int((w[1] - w[0]) / 3600 - 1),
                ]);
            }
        }
    }
    Ok(Table {
        name: "gaps".into(),
        columns: ["account", "region", "from", "to", "hours"]
            .map(String::from)
            .to_vec(),
        rows,
    })
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `1234567` as `1,234,567`.
fn thousands(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Bytes in binary units, one decimal.
fn human_bytes(n: i64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn table_html(t: &Table, caption: &str) -> String {
    table_html_with(t, caption, "")
}

/// [`table_html`], with `lake_args` shown after each `pivot` (its `data-value` stays the
/// row's own).
fn table_html_with(t: &Table, caption: &str, lake_args: &str) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<table class=\"data\" data-table=\"{}\"><caption>{}</caption><thead><tr>",
        esc(&t.name),
        esc(caption)
    );
    for c in &t.columns {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr></thead><tbody>");
    if t.rows.is_empty() {
        let _ = write!(
            h,
            "<tr class=\"empty\"><td colspan=\"{}\">none</td></tr>",
            t.columns.len().max(1)
        );
    }
    for r in &t.rows {
        h.push_str("<tr>");
        for (c, cell) in t.columns.iter().zip(r) {
            let shown = match cell {
                Cell::Int(n) if c.contains("bytes") => human_bytes(*n),
                Cell::Int(n) if c == "port" || c.ends_with("port") => n.to_string(),
                Cell::Int(n) => thousands(*n),
                Cell::Text(s) if c == "pivot" && !lake_args.is_empty() => {
                    format!("{s} {lake_args}")
                }
                Cell::Text(s) => s.clone(),
                Cell::Null => String::new(),
            };
            let class = if matches!(cell, Cell::Int(_)) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(
                h,
                "<td data-col=\"{}\" data-value=\"{}\"{class}>{}</td>",
                esc(c),
                esc(&cell.raw()),
                esc(&shown)
            );
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
    h
}

const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(214, 39, 40);
const GREEN: RGBColor = RGBColor(44, 160, 44);

fn svg_error(e: impl std::fmt::Display) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::Execution(format!("drawing a chart: {e}"))
}

/// The traffic chart: bytes per hour above, flows and rejected flows per hour below.
fn traffic_svg(t: &Table) -> Result<String> {
    let hours = t.texts("hour");
    // Values as floats: a hostile record's count near 2^63 must not overflow an axis.
    let floats = |col: &str| -> Vec<f64> { t.ints(col).iter().map(|v| *v as f64).collect() };
    let bytes = floats("bytes");
    let flows = floats("flows");
    let rejected = floats("rejected");
    let top_of = |v: &[f64]| v.iter().copied().fold(1.0_f64, f64::max) * 1.05;
    // With few hours a line is too short to see: every value is also a dot.
    let dots = hours.len() <= 48;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(svg_error)?;
        let (upper, lower) = root.split_vertically(260);
        let n = hours.len().saturating_sub(1).max(1);
        let label = |i: &usize| {
            hours
                .get(*i)
                .map(|h| h.get(5..13).unwrap_or(h).replace('T', " "))
                .unwrap_or_default()
        };
        let mut c = ChartBuilder::on(&upper)
            .caption("Bytes per hour", ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(80)
            .build_cartesian_2d(0..n, 0.0..top_of(&bytes))
            .map_err(svg_error)?;
        c.configure_mesh()
            .x_labels(8)
            .x_label_formatter(&label)
            .y_label_formatter(&|v| human_bytes(*v as i64))
            .draw()
            .map_err(svg_error)?;
        c.draw_series(LineSeries::new(
            bytes.iter().enumerate().map(|(i, b)| (i, *b)),
            BLUE.stroke_width(2),
        ))
        .map_err(svg_error)?;
        if dots {
            c.draw_series(
                bytes
                    .iter()
                    .enumerate()
                    .map(|(i, b)| Circle::new((i, *b), 3, BLUE.filled())),
            )
            .map_err(svg_error)?;
        }
        let mut c = ChartBuilder::on(&lower)
            .caption("Flows and rejected flows per hour", ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(80)
            .build_cartesian_2d(0..n, 0.0..top_of(&flows))
            .map_err(svg_error)?;
        c.configure_mesh()
            .x_labels(8)
            .x_label_formatter(&label)
            .y_label_formatter(&|v| thousands(*v as i64))
            .draw()
            .map_err(svg_error)?;
        for (values, color, name) in [(&flows, GREEN, "flows"), (&rejected, ORANGE, "rejected")] {
            c.draw_series(LineSeries::new(
                values.iter().enumerate().map(|(i, v)| (i, *v)),
                color.stroke_width(2),
            ))
            .map_err(svg_error)?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
            if dots {
                c.draw_series(
                    values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| Circle::new((i, *v), 3, color.filled())),
                )
                .map_err(svg_error)?;
            }
        }
        c.configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(svg_error)?;
        root.present().map_err(svg_error)?;
    }
    Ok(svg)
}

/// A horizontal bar chart of `value` by `label` (one bar per row, in the table's order).
fn bars_svg(t: &Table, label: &str, value: &str, title: &str, bytes: bool) -> Result<String> {
    let labels = t.texts(label);
    let values: Vec<f64> = t.ints(value).iter().map(|v| *v as f64).collect();
    let mut svg = String::new();
    {
        let n = labels.len().max(1);
        let height = 60 + 26 * n as u32;
        let root = SVGBackend::with_string(&mut svg, (960, height)).into_drawing_area();
        root.fill(&WHITE).map_err(svg_error)?;
        let max = values.iter().copied().fold(1.0_f64, f64::max);
        let mut c = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(200)
            .build_cartesian_2d(0.0..max * 1.05, (0..n).into_segmented())
            .map_err(svg_error)?;
        let name = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                labels.get(*i).cloned().unwrap_or_default()
            }
            SegmentValue::Last => String::new(),
        };
        c.configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&name)
            .x_label_formatter(&|v| {
                if bytes {
                    human_bytes(*v as i64)
                } else {
                    thousands(*v as i64)
                }
            })
            .draw()
            .map_err(svg_error)?;
        // A bar is at least a few pixels long, so a row of 1 next to one of 100,000 still
        // shows (its table gives the exact number).
        let least = max / 250.0;
        c.draw_series(values.iter().enumerate().map(|(i, v)| {
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (v.max(least), SegmentValue::Exact(i + 1)),
                ],
                BLUE.filled(),
            );
            bar.set_margin(3, 3, 0, 0);
            bar
        }))
        .map_err(svg_error)?;
        root.present().map_err(svg_error)?;
    }
    Ok(svg)
}

const CSS: &str = r"
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#1b1f24;padding:0 16px}
h1{font-size:26px;margin-bottom:4px}h2{font-size:20px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:36px}
h3{font-size:16px;margin:18px 0 6px}.meta{color:#57606a;font-size:13px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px;width:100%}
caption{text-align:left;color:#57606a;font-size:12px;padding-bottom:4px}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
td[data-col=pivot]{font-family:ui-monospace,monospace;font-size:12px}
figure{margin:8px 0}figure svg{width:100%;height:auto}
.sev-high{color:#b42318;font-weight:600}.sev-medium{color:#b54708;font-weight:600}
.status-found{font-weight:600}.status-skipped,.status-inconclusive{color:#b54708}
details{margin:4px 0 12px}summary{cursor:pointer;color:#57606a;font-size:12px}
nav a{margin-right:12px}
@media print{nav{display:none}section{break-inside:avoid-page}h2{break-after:avoid}figure{break-inside:avoid}}
";

fn figure(name: &str, svg: &str) -> String {
    format!("<figure class=\"chart\" data-chart=\"{name}\">{svg}</figure>")
}

/// The whole page.
pub fn render(d: &ReportData) -> Result<String> {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>flowlake report: {}</title><style>{CSS}</style></head><body>",
        esc(&d.lake)
    );
    let _ = write!(
        h,
        "<h1>VPC Flow Logs report</h1><p class=\"meta\">Lake <code>{}</code>, window {}, generated {} by flowlake {}.</p>",
        esc(&d.lake),
        esc(&d.window),
        esc(&d.generated),
        env!("CARGO_PKG_VERSION")
    );
    h.push_str(
        "<nav><a href=\"#findings\">Findings</a><a href=\"#traffic\">Traffic</a>\
         <a href=\"#talkers\">Top talkers</a><a href=\"#rejected\">Rejected</a>\
         <a href=\"#admin\">Admin ports</a><a href=\"#coverage\">Coverage</a><a href=\"#details\">Finding details</a></nav>",
    );

    // Findings first: what needs a look.
    h.push_str("<section id=\"findings\"><h2>Findings</h2>");
    let found = d.hunts.iter().filter(|x| x.status == "found").count();
    let not_looked = d
        .hunts
        .iter()
        .filter(|x| matches!(x.status.as_str(), "skipped" | "inconclusive"))
        .count();
    let _ = write!(
        h,
        "<p>{found} of {} detections found something; {not_looked} could not look (not an all-clear for them).</p>",
        d.hunts.len()
    );
    let summary = Table {
        name: "findings".into(),
        columns: ["hunt", "severity", "status", "rows", "reason"]
            .map(String::from)
            .to_vec(),
        rows: d
            .hunts
            .iter()
            .map(|x| {
                vec![
                    Cell::Text(x.name.clone()),
                    Cell::Text(x.severity.clone()),
                    Cell::Text(x.status.clone()),
                    x.rows.map_or(Cell::Null, |n| Cell::Int(n as i64)),
                    x.reason.clone().map_or(Cell::Null, Cell::Text),
                ]
            })
            .collect(),
    };
    h.push_str(&table_html(
        &summary,
        "Every detection hunt, most severe first: found, quiet (looked, found nothing), or why it could not look",
    ));
    h.push_str("</section>");

    h.push_str("<section id=\"traffic\"><h2>Traffic over time</h2>");
    h.push_str(&figure("traffic", &traffic_svg(&d.traffic)?));
    h.push_str(&table_html(
        &d.traffic,
        "Per hour (UTC, by record start): flows (records with traffic: NODATA and SKIPDATA left out), bytes, rejected flows",
    ));
    h.push_str("</section>");

    h.push_str("<section id=\"talkers\"><h2>Top talkers</h2>");
    h.push_str(&figure(
        "top-talkers-out",
        &bars_svg(
            &d.top_out,
            "address",
            "bytes",
            "Bytes sent, by source address",
            true,
        )?,
    ));
    h.push_str(&table_html(&d.top_out, "Sources by bytes sent"));
    h.push_str(&figure(
        "top-talkers-in",
        &bars_svg(
            &d.top_in,
            "address",
            "bytes",
            "Bytes received, by destination address",
            true,
        )?,
    ));
    h.push_str(&table_html(&d.top_in, "Destinations by bytes received"));
    h.push_str("</section>");

    h.push_str("<section id=\"rejected\"><h2>Rejected traffic</h2>");
    h.push_str(&figure(
        "rejected-ports",
        &bars_svg(
            &d.rejected_ports,
            "port",
            "flows",
            "Rejected records, by destination port",
            false,
        )?,
    ));
    h.push_str(&table_html(
        &d.rejected_ports,
        "Destination ports of rejected records",
    ));
    h.push_str(&figure(
        "rejected-sources",
        &bars_svg(
            &d.rejected_sources,
            "address",
            "flows",
            "Rejected records, by source address",
            false,
        )?,
    ));
    h.push_str(&table_html(
        &d.rejected_sources,
        "Sources of rejected records",
    ));
    h.push_str("</section>");

    h.push_str("<section id=\"admin\"><h2>Accepted traffic to admin ports</h2>");
    h.push_str(&figure(
        "admin-ports",
        &bars_svg(
            &d.admin_ports,
            "port",
            "flows",
            "Accepted records to admin and database ports",
            false,
        )?,
    ));
    let _ = write!(
        h,
        "{}",
        table_html(
            &d.admin_ports,
            &format!(
                "Accepted records to ports {}; public_sources counts sources outside private ranges",
                ADMIN_PORTS.map(|p| p.to_string()).join(", ")
            )
        )
    );
    h.push_str("</section>");

    h.push_str("<section id=\"coverage\"><h2>Coverage</h2>");
    let cov = Table {
        name: "coverage".into(),
        columns: vec!["key".into(), "value".into()],
        rows: d
            .coverage
            .iter()
            .map(|(k, v)| vec![Cell::Text(k.clone()), Cell::Text(v.clone())])
            .collect(),
    };
    h.push_str(&table_html(&cov, "What the lake holds in the window"));
    h.push_str(&table_html(
        &d.gaps,
        "Gaps in delivery: hours with no record of an account and region between its first and last hour",
    ));
    h.push_str("</section>");
    h.push_str("<section id=\"details\"><h2>Finding details</h2>");
    for x in d.hunts.iter().filter(|x| x.status == "found") {
        let Some(t) = &x.table else { continue };
        let shown = Table {
            rows: t.rows.iter().take(MAX_FINDING_ROWS).cloned().collect(),
            ..t.clone()
        };
        let _ = write!(
            h,
            "<section class=\"finding\" data-hunt=\"{}\"><h3><span class=\"sev-{}\">{}</span> {}: {}</h3>",
            esc(&x.name),
            esc(&x.severity),
            esc(&x.severity.to_uppercase()),
            esc(&x.name),
            esc(&x.title)
        );
        h.push_str(&table_html_with(
            &shown,
            "Rows; each pivot is the command that follows it up",
            &d.lake_args,
        ));
        if t.rows.len() > MAX_FINDING_ROWS {
            let _ = write!(
                h,
                "<p class=\"meta\">{} more rows: <code>flowlake hunt run {} {}</code></p>",
                t.rows.len() - MAX_FINDING_ROWS,
                esc(&x.name),
                esc(&d.lake_args)
            );
        }
        h.push_str("</section>");
    }
    h.push_str("</section></body></html>\n");
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ReportData {
        let t = |name: &str, cols: &[&str], rows: Vec<Vec<Cell>>| Table {
            name: name.into(),
            columns: cols.iter().map(|c| (*c).to_string()).collect(),
            rows,
        };
        ReportData {
            lake: "lake <x>".into(),
            traffic: t(
                "traffic",
                &["hour", "flows", "bytes", "rejected"],
                (0..5)
                    .map(|i| {
                        vec![
                            Cell::Text(format!("2026-03-01T0{i}:00:00Z")),
                            Cell::Int(10 + i),
                            Cell::Int(1000 * i),
                            Cell::Int(i),
                        ]
                    })
                    .collect(),
            ),
            top_out: t(
                "top-talkers-out",
                &["address", "bytes", "flows"],
                vec![vec![
                    Cell::Text("10.0.0.1".into()),
                    Cell::Int(5_000_000),
                    Cell::Int(3),
                ]],
            ),
            ..ReportData::default()
        }
    }

    #[test]
    fn the_page_is_self_contained_and_carries_its_numbers() {
        let html = render(&sample()).unwrap();
        // Nothing fetched: no source or link to elsewhere (the SVG namespace is a name).
        for fetch in ["src=\"http", "href=\"http", "url(", "@import", "<link"] {
            assert!(!html.contains(fetch), "{fetch}");
        }
        assert!(!html.contains("<script"), "no script");
        assert!(html.contains("lake &lt;x&gt;"), "text is escaped");
        assert_eq!(html.matches("<figure class=\"chart\"").count(), 6);
        assert_eq!(html.matches("<svg").count(), 6);
        assert!(html.contains("data-col=\"bytes\" data-value=\"5000000\" class=\"num\">4.8 MiB<"));
        // Two line series in the lower traffic panel and one above: three polylines.
        let traffic = &html[html.find("data-chart=\"traffic\"").unwrap()..];
        let traffic = &traffic[..traffic.find("</figure>").unwrap()];
        assert!(traffic.matches("<polyline").count() >= 3, "{traffic}");
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}

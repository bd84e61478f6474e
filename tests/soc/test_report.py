"""`flowlake report`: one self-contained HTML file, opened in Debian's Chromium (through
playwright, network off): no request leaves the file, no script error, every chart is an
inline SVG with drawn series, every table's numbers are DuckDB's over the lake's Parquet
files, the findings are `hunt run --all`'s, and the page prints to PDF."""

import datetime
import os
import re
import types

import pytest

from flowlake_cli import flowlake

CHARTS = ["traffic", "top-talkers-out", "top-talkers-in", "rejected-ports", "rejected-sources",
          "admin-ports"]
ADMIN_PORTS = [22, 23, 3389, 5900, 5985, 5986, 445, 1433, 3306, 5432, 6379, 9200, 27017]
PROTOCOLS = {"ICMP": 1, "IGMP": 2, "TCP": 6, "UDP": 17, "GRE": 47, "ESP": 50, "AH": 51,
             "ICMPv6": 58, "SCTP": 132}
# What the charts sum: records with bytes and a start (not NODATA/SKIPDATA).
COUNTED = "bytes IS NOT NULL AND start IS NOT NULL"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

TABLES_JS = """() => Object.fromEntries(Array.from(document.querySelectorAll('table[data-table]')).map(t =>
  [t.dataset.table, Array.from(t.querySelectorAll('tbody tr')).map(tr =>
    Object.fromEntries(Array.from(tr.querySelectorAll('td[data-col]')).map(td =>
      [td.dataset.col, td.getAttribute('data-value')]))).filter(r => Object.keys(r).length > 0)]))"""

CHART_JS = """(fig) => {
  const svgs = fig.querySelectorAll('svg');
  const svg = svgs[0];
  if (!svg) return {svgs: 0};
  const box = svg.getBoundingClientRect();
  const shapes = Array.from(svg.querySelectorAll('path,polyline,polygon,rect,circle,ellipse,line')).map(e => {
    const b = e.getBoundingClientRect();
    const cs = getComputedStyle(e);
    let points = 0;
    if (e.tagName === 'polyline' || e.tagName === 'polygon') points = e.points.numberOfItems;
    else if (e.tagName === 'path') points = Math.floor(((e.getAttribute('d') || '').match(/-?[0-9]*[.]?[0-9]+(e-?[0-9]+)?/g) || []).length / 2);
    else if (e.tagName === 'line') points = 2;
    const painted = (v) => v && v !== 'none' && !/rgba\\([^)]*,\\s*0\\)$/.test(v);
    return {tag: e.tagName, points, w: b.width, h: b.height,
            painted: (painted(cs.fill) || painted(cs.stroke)) && cs.visibility !== 'hidden' && cs.display !== 'none'};
  });
  const next = fig.nextElementSibling;
  return {svgs: svgs.length, w: box.width, h: box.height, shapes,
          next: next ? [next.tagName, next.className, next.dataset.table || null] : null};
}"""


def iso_hour(hour):
    return datetime.datetime.fromtimestamp(hour * 3600, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:00:00Z")


def num(v):
    assert v is not None and v != "", f"a number cell without data-value: {v!r}"
    f = float(v)
    return int(f) if f.is_integer() else f


def epoch_s(v):
    """Seconds since the epoch of a data-value that is either a number or an ISO time."""
    if re.fullmatch(r"-?\d+(\.\d+)?", v):
        x = float(v)
        return x / 1000 if x > 1e11 else x
    return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()


def protocol(v):
    return int(v) if re.fullmatch(r"\d+", v) else PROTOCOLS[v]


@pytest.fixture(scope="module")
def report(lake, ioc, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    # 3: some detection could not look (the page says which); 0: all looked.
    flowlake("report", "--lake", lake, "--out", out, "--ioc", ioc, ok=(0, 3))
    return out


@pytest.fixture(scope="module")
def browser():
    exe = os.environ.get("FLOWLAKE_CHROMIUM", "/usr/bin/chromium")
    if not os.access(exe, os.X_OK):
        pytest.fail(f"no Chromium at {exe}: run scripts/browser-env (it installs Debian's "
                    "chromium and prints its path) and set FLOWLAKE_CHROMIUM to that path")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, path):
    """The file in a fresh offline context: every request but the file itself is aborted
    and recorded, as are console errors and page errors."""
    seen = types.SimpleNamespace(requests=[], console=[], errors=[])
    context = browser.new_context(offline=True, viewport={"width": 1400, "height": 1000})
    own = path.as_uri()

    def route(r):
        if r.request.url == own:
            r.continue_()
        else:
            seen.requests.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: seen.console.append((m.type, m.text)))
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("requestfailed", lambda r: r.url == own or seen.requests.append(r.url))
    page.goto(own, wait_until="load")
    page.wait_for_load_state("networkidle")
    seen.page = page
    seen.tables = page.evaluate(TABLES_JS)
    return seen


@pytest.fixture(scope="module")
def opened(browser, report):
    return open_page(browser, report)


def test_the_file_references_nothing_outside(report):
    html = report.read_text()
    assert not re.search(r"""<script\b[^>]*\bsrc\s*=""", html, re.I), "a <script src>"
    assert not re.search(r"""<link\b[^>]*\bhref\s*=""", html, re.I), "a <link href>"
    assert not re.search(r"""\b(?:src|href|xlink:href|action|poster|srcset)\s*=\s*["']?\s*(?:https?:)?//""",
                         html, re.I), "an external src/href"
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", html, re.I), "an external url()"
    assert not re.search(r"@import", html, re.I), "a CSS @import"


def test_the_page_opens_offline_without_errors_or_requests(opened):
    assert opened.errors == [], opened.errors
    assert [c for c in opened.console if c[0] == "error"] == []
    assert opened.requests == []


def test_every_chart_is_drawn(opened):
    figures = opened.page.query_selector_all("figure.chart")
    names = [f.get_attribute("data-chart") for f in figures]
    assert sorted(names) == sorted(CHARTS), names
    for fig, name in zip(figures, names):
        info = fig.evaluate(CHART_JS)
        assert info["svgs"] == 1, f"{name}: {info['svgs']} <svg>"
        assert info["w"] > 50 and info["h"] > 50, f"{name}: rendered {info['w']}x{info['h']}"
        assert info["next"] and info["next"][0] == "TABLE" and info["next"][2] == name, (
            f"{name}: not followed by its table: {info['next']}")
        rows = len(opened.tables[name])
        svg_area = info["w"] * info["h"]
        marks = [s for s in info["shapes"] if s["painted"]
                 and not (s["tag"] == "rect" and s["w"] * s["h"] >= 0.8 * svg_area)  # background
                 and not (s["points"] == 2 or (s["tag"] != "rect" and s["points"] < 3
                                               and (s["w"] < 1 or s["h"] < 1)))]     # axes, ticks
        if rows:
            assert marks, f"{name}: nothing drawn beyond the axes for {rows} rows"
            most_points = max((s["points"] for s in marks), default=0)
            boxes = [s for s in marks if s["w"] > 0 and s["h"] > 0]
            assert most_points >= rows or len(boxes) >= rows, (
                f"{name}: {rows} rows, but the series has {most_points} points and {len(boxes)} shapes")


def table(opened, name):
    assert name in opened.tables, f"no table data-table={name!r}: {sorted(opened.tables)}"
    return opened.tables[name]


def test_traffic_per_hour(opened, duck):
    want = [
        {"hour": iso_hour(h), "flows": f, "bytes": b, "rejected": r}
        for h, f, b, r in duck.execute(
            f"SELECT CAST(floor(start / 3600) AS BIGINT) h, count(*), sum(bytes), "
            f"count(*) FILTER (WHERE action = 'REJECT') FROM vpc_flow_logs WHERE {COUNTED} "
            "GROUP BY 1 ORDER BY 1").fetchall()]
    got = [{"hour": r["hour"], "flows": num(r["flows"]), "bytes": num(r["bytes"]),
            "rejected": num(r["rejected"])} for r in table(opened, "traffic")]
    assert len(want) >= 36
    assert sorted(got, key=lambda r: r["hour"]) == want


def top(opened, duck, name, key, cols, sql, order):
    """A top-10 table: its rows are the first ten of `sql` by `order` (ties: any of them),
    each with the values of `sql` for its key."""
    expected = duck.execute(sql).fetchall()
    names = [d[0] for d in duck.description]
    want = {tuple(r[names.index(k)] for k in key): dict(zip(names, r)) for r in expected}
    got = table(opened, name)
    assert len(got) == min(10, len(want)), (name, len(got))
    assert len(got) >= 1
    rank = sorted((r[names.index(order)] for r in expected), reverse=True)[:10]
    for r in got:
        k = tuple(cols[c](r[c]) for c in key)
        assert k in want, (name, k)
        for c, conv in cols.items():
            assert conv(r[c]) == want[k][c], (name, k, c, r[c], want[k][c])
    assert sorted((num(r[order]) for r in got), reverse=True) == rank, name


def test_top_talkers_out(opened, duck):
    top(opened, duck, "top-talkers-out", ["address"],
        {"address": str, "bytes": num, "flows": num},
        f"SELECT srcaddr AS address, sum(bytes) AS bytes, count(*) AS flows FROM vpc_flow_logs "
        f"WHERE {COUNTED} GROUP BY 1", "bytes")


def test_top_talkers_in(opened, duck):
    top(opened, duck, "top-talkers-in", ["address"],
        {"address": str, "bytes": num, "flows": num},
        f"SELECT dstaddr AS address, sum(bytes) AS bytes, count(*) AS flows FROM vpc_flow_logs "
        f"WHERE {COUNTED} GROUP BY 1", "bytes")


def test_rejected_ports(opened, duck):
    top(opened, duck, "rejected-ports", ["port", "protocol"],
        {"port": num, "protocol": protocol, "flows": num, "sources": num},
        f"SELECT dstport AS port, protocol, count(*) AS flows, count(DISTINCT srcaddr) AS sources "
        f"FROM vpc_flow_logs WHERE {COUNTED} AND action = 'REJECT' GROUP BY 1, 2", "flows")


def test_rejected_sources(opened, duck):
    top(opened, duck, "rejected-sources", ["address"],
        {"address": str, "flows": num, "ports": num},
        f"SELECT srcaddr AS address, count(*) AS flows, count(DISTINCT dstport) AS ports "
        f"FROM vpc_flow_logs WHERE {COUNTED} AND action = 'REJECT' GROUP BY 1", "flows")


def test_admin_ports(opened, duck):
    want = {p: (f, b, s) for p, f, b, s in duck.execute(
        f"SELECT dstport, count(*), sum(bytes), count(DISTINCT srcaddr) FROM vpc_flow_logs "
        f"WHERE {COUNTED} AND action = 'ACCEPT' AND dstport IN ({', '.join(map(str, ADMIN_PORTS))}) "
        "GROUP BY 1").fetchall()}
    assert want
    got = {num(r["port"]): (num(r["flows"]), num(r["bytes"]), num(r["sources"]))
           for r in table(opened, "admin-ports")}
    # Admin ports without traffic may be listed with zeros.
    assert {p: v for p, v in got.items() if v != (0, 0, 0)} == want
    assert set(got) <= set(ADMIN_PORTS)


def test_coverage(opened, duck):
    got = {r["key"]: r["value"] for r in table(opened, "coverage")}
    records, accounts, regions, interfaces, first, last = duck.execute(
        'SELECT count(*), count(DISTINCT coalesce(account_id, "aws-account-id")), '
        'count(DISTINCT coalesce(region, "aws-region")), '
        "count(DISTINCT interface_id) FILTER (WHERE interface_id <> '-'), min(start), max(\"end\") "
        "FROM vpc_flow_logs").fetchone()
    versions = sorted(v for (v,) in duck.execute(
        "SELECT DISTINCT version FROM vpc_flow_logs WHERE version IS NOT NULL").fetchall())
    assert num(got["records"]) == records
    assert num(got["accounts"]) == accounts
    assert num(got["regions"]) == regions
    assert num(got["interfaces"]) == interfaces
    assert epoch_s(got["first_seen"]) == first
    assert epoch_s(got["last_seen"]) == last
    listed = [int(v) for v in re.findall(r"\d+", got["versions"])]
    assert sorted(listed) == versions or listed == [len(versions)], got["versions"]


def expected_gaps(duck):
    """(account, region, first missing hour, last missing hour) for every run of hours
    without a record between an account and region's first and last hour."""
    hours = {}
    for a, r, h in duck.execute(
            'SELECT DISTINCT "aws-account-id", "aws-region", '
            "CAST(floor(start / 3600) AS BIGINT) FROM vpc_flow_logs WHERE start IS NOT NULL").fetchall():
        hours.setdefault((a, r), set()).add(h)
    out = set()
    for (a, r), hs in hours.items():
        h = min(hs)
        while h < max(hs):
            if h not in hs:
                start = h
                while h not in hs:
                    h += 1
                out.add((a, r, start, h - 1))
            h += 1
    return out


def gaps_in(rows):
    """The gaps table as (account, region, first missing hour, last missing hour): `to` may
    be the last missing hour or the end of the gap (the next hour with records)."""
    out = set()
    for g in rows:
        start = epoch_s(g["from"])
        end = epoch_s(g["to"])
        assert start % 3600 == 0 and end % 3600 == 0, g
        out.add((g["account"], g["region"], int(start // 3600), int(end // 3600)))
    return out


def gaps_match(got, want):
    loose = {(a, r, s, e - 1) for a, r, s, e in got}
    return got == want or loose == want


def test_gaps_on_the_lake(opened, duck):
    assert gaps_match(gaps_in(table(opened, "gaps")), expected_gaps(duck))


def test_gaps_on_a_lake_with_a_hole(browser, tmp_path):
    """Two stretches of three hours, three hours apart, in one lake: every account and
    region has the same three missing hours."""
    import duckdb

    from duckdb_flowlake import open_lake

    flowlake("gen", "--out", tmp_path / "a", "--no-attacks", "--records", "3000", "--hours", "3")
    flowlake("gen", "--out", tmp_path / "b", "--no-attacks", "--records", "3000", "--hours", "3",
             "--start", "2026-03-01T06:00:00Z")
    flowlake("convert", tmp_path / "a", tmp_path / "b", "--out", tmp_path / "lake", "--quiet")
    out = tmp_path / "gaps.html"
    flowlake("report", "--lake", tmp_path / "lake", "--out", out, ok=(0, 3))
    want = expected_gaps(open_lake(duckdb.connect(), tmp_path / "lake"))
    assert len(want) >= 3 and all(e - s == 2 for _, _, s, e in want), want
    seen = open_page(browser, out)
    assert gaps_match(gaps_in(table(seen, "gaps")), want), (table(seen, "gaps"), want)
    assert seen.errors == [] and seen.requests == []
    seen.page.context.close()


def test_findings_table_is_hunt_run_all(opened, hunt_all):
    want = {h["hunt"]: h for h in hunt_all if h["kind"] == "detection"}
    got = {r["hunt"]: r for r in table(opened, "findings")}
    assert sorted(got) == sorted(want)
    for name, h in want.items():
        r = got[name]
        assert r["severity"] == h["severity"], name
        assert r["status"] == h["status"], name
        if h["rows"] is None:
            assert r["rows"] in (None, "", "null"), (name, r["rows"])
        else:
            assert num(r["rows"]) == h["rows"], name


def test_a_section_per_hunt_that_found_rows(opened, hunt_all):
    page = opened.page
    found = [h for h in hunt_all if h["kind"] == "detection" and h["status"] == "found"]
    assert len(found) >= 15
    sections = {s.get_attribute("data-hunt") for s in page.query_selector_all("section.finding")}
    assert sections == {h["hunt"] for h in found}
    for h in found:
        section = page.query_selector(f'section.finding[data-hunt="{h["hunt"]}"]')
        assert len(section.query_selector_all("table tbody tr")) == h["rows"], h["hunt"]
        text = section.inner_text()
        for row in h["results"]:
            assert row["pivot"] in text, (h["hunt"], row["pivot"])


def test_it_prints(opened):
    pdf = opened.page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and len(pdf) > 10_000


def test_screenshot(opened, artifacts):
    path = artifacts / "report.png"
    opened.page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
    print(f"report screenshot: {path}")

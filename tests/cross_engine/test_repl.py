"""The interactive shell, driven through a pseudo-terminal as a user would: multi-line
statements, meta-commands, completion, Ctrl-C cancelling a query (not the shell), errors
that keep the shell alive, and history that persists across sessions."""

import os
import pathlib

import pexpect
import pytest

BIN = os.environ.get("FLOWLAKE_BIN", str(pathlib.Path(__file__).parents[2] / "target/debug/flowlake"))
PROMPT = "flowlake> "
CONTINUATION = "flowlake-# "


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    base = tmp_path_factory.mktemp("repl")
    logs, lake = base / "logs", base / "lake"
    for args in (["gen", "--out", str(logs), "--records", "5000", "--hours", "6"],
                 ["convert", str(logs), "--out", str(lake), "--quiet"]):
        assert pexpect.run(BIN, args=args, withexitstatus=True)[1] == 0
    return lake


def shell(lake, history):
    env = dict(os.environ, FLOWLAKE_HISTORY=str(history), TERM="xterm", COLUMNS="120")
    p = pexpect.spawn(BIN, ["sql", "--lake", str(lake)], env=env, encoding="utf-8",
                      timeout=60, dimensions=(50, 120))
    p.expect_exact("\\? for help")
    p.expect_exact(PROMPT)
    return p


def test_a_session(lake, tmp_path):
    history = tmp_path / "history"
    p = shell(lake, history)

    # A statement over three lines runs once the ';' arrives; the lines after the first
    # get the continuation prompt.
    p.sendline("SELECT action,")
    p.expect_exact(CONTINUATION)
    p.sendline("  count(*) AS flows FROM vpc_flow_logs")
    p.expect_exact(CONTINUATION)
    p.sendline("WHERE action = 'REJECT' GROUP BY action;")
    p.expect(r"│ REJECT │\s+\d+ │")
    p.expect_exact("1 row")
    p.expect_exact(PROMPT)

    # Meta-commands; the help is not cut to the table's cell width.
    p.sendline("\\?")
    p.expect_exact("\\timing [on|off]")
    p.expect_exact("\\o alone: back to the screen")
    p.expect_exact(PROMPT)
    p.sendline("\\run port-scna")
    p.expect_exact('no hunt named "port-scna"; did you mean port-scan? \\hunts lists them')
    p.expect_exact(PROMPT)
    p.sendline("\\x on")
    p.expect_exact("expanded display is on")
    p.sendline("SELECT 'hello' AS greeting;")
    p.expect_exact("-[ RECORD 1 ]")
    p.expect(r"greeting \| hello")
    p.expect_exact(PROMPT)
    p.sendline("\\x off")
    p.expect_exact(PROMPT)

    # An error keeps the shell.
    p.sendline("SELECT no_such_column FROM vpc_flow_logs;")
    p.expect_exact("no column named no_such_column")
    p.expect_exact(PROMPT)

    # Completion of a column name.
    p.send("SELECT count(DISTINCT dstp")
    p.send("\t")
    p.expect_exact("dstport")
    p.sendline(") AS ports FROM vpc_flow_logs;")
    p.expect(r"│\s+\d+ │")
    p.expect_exact(PROMPT)

    # Ctrl-C cancels a long query; the shell stays and answers the next one.
    p.sendline("SELECT sum(value) FROM generate_series(1, 1000000000000);")
    p.expect_exact("generate_series")
    # Ctrl-C as a user presses it: again if the first press came before the query started.
    for _ in range(30):
        p.sendintr()
        if p.expect_exact(["cancelled", pexpect.TIMEOUT], timeout=1) == 0:
            break
    else:
        pytest.fail("Ctrl-C never cancelled the query")
    p.expect_exact(PROMPT)
    p.sendline("SELECT 6 * 7 AS answer;")
    p.expect(r"│\s+42 │", timeout=30)
    p.expect_exact(PROMPT)

    # Ctrl-C at the prompt clears the line without leaving.
    p.send("SELECT half a thought")
    p.sendintr()
    p.expect_exact(PROMPT)
    p.sendline("\\q")
    p.expect(pexpect.EOF)
    p.close()
    assert p.exitstatus == 0

    # History persists: the next session recalls the last statement (before \q) with the
    # Up arrow.
    assert "SELECT 6 * 7 AS answer;" in history.read_text()
    p = shell(lake, history)
    p.send("\x1b[A")
    p.send("\x1b[A")
    p.expect_exact("SELECT 6 * 7 AS answer;")
    p.sendline("")
    p.expect(r"│\s+42 │")
    p.sendline("\\q")
    p.expect(pexpect.EOF)


def test_tables_for_reading(lake, tmp_path):
    """Times as times, the columns analysts read on a narrow terminal, and a pager for
    tables taller than the terminal."""
    env = dict(os.environ, FLOWLAKE_HISTORY=str(tmp_path / "history"), TERM="xterm",
               PAGER="sed s/^/paged:/")
    env.pop("COLUMNS", None)
    p = pexpect.spawn(BIN, ["sql", "--lake", str(lake)], env=env, encoding="utf-8",
                      timeout=60, dimensions=(30, 90))
    p.expect_exact(PROMPT)

    # start as a UTC time, not Unix seconds; `\timefmt raw` gives the seconds back.
    p.sendline("SELECT min(start) FROM vpc_flow_logs;")
    p.expect(r"│ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+│")
    p.expect_exact(PROMPT)
    p.sendline("\\timefmt raw")
    p.sendline("SELECT min(start) FROM vpc_flow_logs;")
    p.expect(r"│\s+1\d{9} │")
    p.expect_exact(PROMPT)
    p.sendline("\\timefmt utc")
    p.expect_exact(PROMPT)

    # SELECT * on 90 columns: addresses, ports, action and bytes, not the first six fields.
    p.sendline("SELECT * FROM vpc_flow_logs LIMIT 3;")
    p.expect(r"│ srcaddr\s+│ dstaddr\s+│ (srcport\s+│ )?dstport")
    p.expect_exact("columns shown")
    p.expect_exact(PROMPT)

    # Taller than the terminal: through $PAGER; `\pset pager off` prints it directly.
    p.sendline("SELECT dstport FROM vpc_flow_logs LIMIT 40;")
    p.expect_exact("paged:│ dstport │")
    p.expect_exact(PROMPT)
    p.sendline("\\pset pager off")
    p.expect_exact("pager is off")
    p.sendline("SELECT dstport AS port_unpaged FROM vpc_flow_logs LIMIT 40;")
    p.expect_exact("port_unpaged")
    before = p.before
    p.expect_exact(PROMPT)
    assert "paged:" not in before + p.before
    # A short table is never paged.
    p.sendline("\\pset pager on")
    p.sendline("SELECT 1 AS one;")
    p.expect_exact("│   1 │")
    assert "paged:" not in p.before
    p.expect_exact(PROMPT)
    p.sendline("\\q")
    p.expect(pexpect.EOF)

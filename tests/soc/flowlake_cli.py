"""The flowlake binary under test (FLOWLAKE_BIN, else target/debug/flowlake)."""

import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("FLOWLAKE_BIN", str(ROOT / "target/debug/flowlake"))


def flowlake(*args, ok=(0,), cwd=None):
    """Runs the binary; its exit status must be one of `ok`. Returns the finished process."""
    out = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert out.returncode in ok, (
        f"flowlake {' '.join(map(str, args))}: exit {out.returncode}\n{out.stderr[-4000:]}"
    )
    return out

"""The watchdog ends a test run that hangs with the GIL held, which
pytest-timeout cannot (``core.testing.watchdog``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The live server's old deadlock, reduced: one sqlite3 connection, a statement
# in SQLite calling back into Python in one thread while the other binds the
# parameters of a cached statement with the GIL held.
HANGS = textwrap.dedent(
    """
    import sqlite3, threading, time

    def test_it_hangs_with_the_gil_held():
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.create_function("pause", 1, lambda s: time.sleep(s) or s)
        db.execute("SELECT ? + 1", (1,)).fetchall()
        inside = threading.Thread(target=lambda: db.execute("SELECT pause(0.5)").fetchall())
        inside.start()
        time.sleep(0.1)
        db.execute("SELECT ? + 1", (2,)).fetchall()
        inside.join()
    """
)


def test_it_ends_a_run_that_hangs_with_the_gil_held(tmp_path):
    (tmp_path / "test_hangs.py").write_text(HANGS)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:django",
            "-p",
            "no:cacheprovider",
            "-p",
            "core.testing.watchdog",
            "-o",
            "timeout=1",
            "-o",
            "timeout_method=thread",
            "-o",
            "watchdog_grace=1",
            "test_hangs.py",
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    # pytest-timeout could not run; the watchdog wrote where the test stood.
    assert "Timeout (0:00:02)!" in run.stderr
    assert "in test_it_hangs_with_the_gil_held" in run.stderr

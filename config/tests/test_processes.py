"""`make run`'s Procfile for real: honcho starts the web server and the worker,
both serve, and one Ctrl-C (SIGINT to the terminal's process group) stops both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HONCHO = Path(sys.executable).with_name("honcho")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_pids(pgid: int) -> list[tuple[int, str]]:
    """Every process descending from ``pgid`` (honcho puts each Procfile entry in
    a session of its own, so they are found by parent, not by group)."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    children: dict[int, list[tuple[int, str]]] = {}
    for line in out.splitlines():
        fields = line.split(None, 2)
        if len(fields) >= 2:
            command = fields[2] if len(fields) == 3 else ""
            children.setdefault(int(fields[1]), []).append((int(fields[0]), command))
    found, todo = [], [pgid]
    while todo:
        for pid, args in children.get(todo.pop(), []):
            found.append((pid, args))
            todo.append(pid)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def office_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(LEADLINE_SQLITE_PATH=str(tmp_path / "db.sqlite3"), PYTHONUNBUFFERED="1", HOST="127.0.0.1")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    return env


def test_it_runs_the_server_and_the_worker_in_one_terminal_and_ctrl_c_stops_both(office_env, tmp_path):
    port = free_port()
    log = (tmp_path / "honcho.log").open("w+")
    # start_new_session: the test plays the terminal, whose Ctrl-C goes to the whole group.
    proc = subprocess.Popen(
        [str(HONCHO), "start", "-f", "Procfile", "-p", str(port)],
        cwd=ROOT,
        env=office_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as resp:
                    status = resp.status
            except OSError:
                time.sleep(0.5)
        log.seek(0)
        output = log.read()
        assert status == 200, output
        running = group_pids(proc.pid)
        commands = [args for _, args in running]
        assert any(f"runserver 127.0.0.1:{port}" in c for c in commands), commands
        assert any("manage.py db_worker" in c for c in commands), commands
        assert "worker.1" in output

        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(pid) for pid, _ in running):
            time.sleep(0.2)
        assert [(pid, args) for pid, args in running if alive(pid)] == []
        log.seek(0)
        output = log.read()
        assert "SIGINT received" in output
        assert "web.1 stopped" in output and "worker.1 stopped" in output
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()

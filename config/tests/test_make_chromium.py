"""`make test` on a machine without Chromium: root gets Debian's package
installed, anyone else the exact command and a failure, never a silent skip.
(apt-get and id are stand-ins on PATH; the Makefile's own recipe runs.)"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def stand_in(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def machine(tmp_path):
    """A PATH where `id -u` answers what the test says and apt-get logs its
    arguments and 'installs' chromium at the expected place."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    chromium = tmp_path / "usr-bin" / "chromium"
    chromium.parent.mkdir()
    log = tmp_path / "apt.log"
    stand_in(
        bin_dir,
        "apt-get",
        f'echo "$@" >> {log}\ncase "$*" in *install*) printf "#!/bin/sh\\n" > {chromium}; '
        f"chmod +x {chromium};; esac\n",
    )

    def make(uid: int, *args: str) -> subprocess.CompletedProcess[str]:
        stand_in(bin_dir, "id", f"echo {uid}\n")
        env = {k: v for k, v in os.environ.items() if k != "LEADLINE_CHROMIUM"}
        env["PATH"] = f"{bin_dir}:{env['PATH']}"
        return subprocess.run(
            ["make", "-s", "--no-print-directory", f"DEBIAN_CHROMIUM={chromium}", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )

    return make, chromium, log


def test_it_installs_debians_chromium_as_root_when_it_is_missing(machine):
    make, chromium, log = machine
    result = make(0, "chromium")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Installing Debian's chromium" in result.stdout
    assert log.read_text().splitlines() == ["update -q", "install -y -q chromium"]
    assert os.access(chromium, os.X_OK)


def test_it_prints_the_exact_command_and_fails_when_not_root(machine):
    make, chromium, log = machine
    result = make(1000, "chromium")
    assert result.returncode != 0
    assert "sudo apt-get update && sudo apt-get install -y chromium" in result.stdout
    assert not log.exists()
    assert not chromium.exists()


def test_it_does_nothing_when_chromium_is_there(machine):
    make, chromium, log = machine
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    result = make(1000, "chromium")
    assert result.returncode == 0 and result.stdout == ""
    assert not log.exists()


def test_it_makes_the_test_target_need_chromium_unless_browser_tests_are_left_out():
    def prerequisites(*args: str) -> str:
        out = subprocess.run(
            ["make", "-n", "-p", "DEBIAN_CHROMIUM=/nonexistent/chromium", *args, "test"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout
        return next(line for line in out.splitlines() if line.startswith("test:"))

    assert "chromium" in prerequisites()
    assert "chromium" not in prerequisites("PYTEST_ARGS=-m 'not browser'")

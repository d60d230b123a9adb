"""Backups of the database Leadline runs on, and putting one back.

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies the
  live database page by page under SQLite's own locking, so it is safe while
  the site serves and the worker writes; the copy is checked with
  ``PRAGMA quick_check``. Restoring copies the backup back the same way.
- PostgreSQL: ``pg_dump --format=custom`` (compressed, restorable table by
  table) and ``pg_restore --clean --if-exists --single-transaction``, so a
  restore that fails changes nothing. Both must be installed and of the
  server's major version or newer (Debian: ``postgresql-client-<major>``).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(Exception):
    """What went wrong, said so an admin can act on it."""


def _connection(alias: str) -> Any:
    conn = connections[alias]
    conn.ensure_connection()
    return conn


def vendor(alias: str = "default") -> str:
    return str(connections[alias].vendor)


# --- SQLite -----------------------------------------------------------------


def sqlite_backup(path: Path, alias: str = "default") -> dict[str, Any]:
    conn = _connection(alias)
    tmp = path.with_name(path.name + ".partial")
    tmp.unlink(missing_ok=True)
    target = sqlite3.connect(tmp)
    try:
        # Pages in steps, so writers are not held up for the whole copy.
        conn.connection.backup(target, pages=1024)
        check = target.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copy failed SQLite's quick_check: {check}")
        tables = target.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    finally:
        target.close()
    os.replace(tmp, path)
    return {"tables": tables, "bytes": path.stat().st_size}


def sqlite_restore(path: Path, alias: str = "default") -> dict[str, Any]:
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise BackupError(f"{path} is not a SQLite backup (made on PostgreSQL? restore it there)")
    conn = _connection(alias)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        check = source.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"{path} failed SQLite's quick_check: {check}")
        source.backup(conn.connection)
    finally:
        source.close()
    return {"bytes": path.stat().st_size}


# --- PostgreSQL -------------------------------------------------------------


def _pg_tool(name: str, server_major: int) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} is not installed. On Debian: apt-get install postgresql-client-{server_major} "
            f"(the server is PostgreSQL {server_major})."
        )
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    tool_major = int(match.group(1)) if match else 0
    if tool_major < server_major:
        raise BackupError(
            f"{name} is version {tool_major} and the server is PostgreSQL {server_major}: "
            f"install postgresql-client-{server_major} (a tool older than its server refuses to work)."
        )
    return tool


def _pg_env(alias: str) -> tuple[dict[str, str], int]:
    conn = _connection(alias)
    params = conn.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(params.get("HOST") or "localhost"),
            "PGPORT": str(params.get("PORT") or "5432"),
            "PGUSER": str(params.get("USER") or ""),
            "PGDATABASE": str(params["NAME"]),
        }
    )
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    sslmode = (params.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env, conn.pg_version // 10000


def _run(command: list[str], env: dict[str, str]) -> None:
    # Our own argument list (the tool found on PATH, settings, the admin's path): no shell.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} failed: " + " / ".join(detail[-5:]))


def pg_backup(path: Path, alias: str = "default") -> dict[str, Any]:
    env, major = _pg_env(alias)
    tool = _pg_tool("pg_dump", major)
    tmp = path.with_name(path.name + ".partial")
    _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}"], env)
    os.replace(tmp, path)
    return {"bytes": path.stat().st_size, "server": major}


def pg_restore(path: Path, alias: str = "default") -> dict[str, Any]:
    with open(path, "rb") as fh:
        if fh.read(5) != PG_CUSTOM_MAGIC:
            raise BackupError(
                f"{path} is not a pg_dump custom-format backup (made on SQLite? restore it there)"
            )
    env, major = _pg_env(alias)
    tool = _pg_tool("pg_restore", major)
    # Leadline's own connection must not hold locks the restore waits for.
    connections[alias].close()
    _run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            f"--dbname={env['PGDATABASE']}",
            str(path),
        ],
        env,
    )
    return {"bytes": path.stat().st_size, "server": major}


def backup(path: Path, alias: str = "default") -> dict[str, Any]:
    kind = vendor(alias)
    if kind == "sqlite":
        return sqlite_backup(path, alias)
    if kind == "postgresql":
        return pg_backup(path, alias)
    raise BackupError(f"backups of {kind} are not supported (SQLite and PostgreSQL are)")


def restore(path: Path, alias: str = "default") -> dict[str, Any]:
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    kind = vendor(alias)
    if kind == "sqlite":
        return sqlite_restore(path, alias)
    if kind == "postgresql":
        return pg_restore(path, alias)
    raise BackupError(f"restores to {kind} are not supported (SQLite and PostgreSQL are)")

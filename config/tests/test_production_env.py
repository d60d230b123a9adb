"""deploy/production.env.example is the production configuration: filled in,
Django's deployment checks pass, and it names every variable Leadline reads."""

from __future__ import annotations

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "production.env.example"
# Where Leadline reads its environment: the settings and gunicorn's configuration.
READERS = [ROOT / "config" / "settings.py", ROOT / "deploy" / "gunicorn.conf.py"]
# Read by the test suite only, never by a deployment.
TEST_ONLY = {"LEADLINE_CHROMIUM", "LEADLINE_TEST_ARTIFACTS", "LEADLINE_TESTING"}


def filled_in(tmp_path: Path) -> Path:
    """The example as an admin fills it in: a real secret key and password."""
    text = EXAMPLE.read_text()
    text = text.replace("LEADLINE_SECRET_KEY=CHANGE-ME", f"LEADLINE_SECRET_KEY={secrets.token_urlsafe(50)}")
    text = text.replace("leadline:CHANGE-ME@", "leadline:s3cret-db-pass@")
    assert "CHANGE-ME" not in text.split("#")[0]
    path = tmp_path / "leadline.env"
    path.write_text(text)
    return path


def run_with(env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``args`` run with the file read the way `make serve` reads it (a shell's
    ``set -a; . file``), nothing else of this process's Leadline settings kept."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LEADLINE_", "DATABASE_URL", "DJANGO_"))}
    script = f"set -a; . {shlex.quote(str(env_file))}; set +a; exec {shlex.join(args)}"
    return subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_it_passes_the_deployment_checks_when_filled_in(tmp_path):
    result = run_with(
        filled_in(tmp_path), sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_sets_the_https_settings_it_documents(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'], "
        "s.LEADLINE_COMPANY_NAME)"
    )
    result = run_with(filled_in(tmp_path), sys.executable, "manage.py", "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "False True 31536000 True True ('HTTP_X_FORWARDED_PROTO', 'https') ['leads.example.com'] "
        "django.db.backends.postgresql Lone Star Comfort & Plumbing"
    )


def test_it_refuses_to_start_without_a_secret_key(tmp_path):
    env_file = tmp_path / "leadline.env"
    env_file.write_text(re.sub(r"(?m)^LEADLINE_SECRET_KEY=.*$", "", EXAMPLE.read_text()))
    result = run_with(env_file, sys.executable, "manage.py", "check")
    assert result.returncode != 0
    assert "LEADLINE_SECRET_KEY must be set" in result.stderr


def test_it_lists_every_variable_leadline_reads_and_the_readme_too():
    read = set()
    for path in READERS:
        read |= set(re.findall(r"\b(LEADLINE_[A-Z0-9_]+|DATABASE_URL)\b", path.read_text()))
    read -= TEST_ONLY
    # Names Python code uses for itself (settings named like a variable) are not variables.
    read = {name for name in read if re.search(rf'["\']{name}["\']', "".join(p.read_text() for p in READERS))}
    assert len(read) > 20
    example = EXAMPLE.read_text()
    readme = (ROOT / "README.md").read_text()
    assert sorted(n for n in read if not re.search(rf"(?m)^#? ?{n}=", example)) == []
    assert sorted(n for n in read if f"`{n}`" not in readme) == []

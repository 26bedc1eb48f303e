"""`salient serve`, the image's `host` role: the web chat over servers it reaches by URL and does not start, with the
deployment's configuration (deploy/salient.yaml), answering `/healthz` and stopping on SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import httpx
from support import console_script, free_port, serve_process

ROOT = Path(__file__).resolve().parents[2]
SALIENT = console_script("salient")
SERVERS = ("catalog", "crm", "scheduling", "crossfeed", "library")


def test_serve_runs_the_chat_alone_with_the_deployment_configuration(tmp_path: Path) -> None:
    shutil.copy(ROOT / "deploy" / "salient.yaml", tmp_path / "salient.yaml")
    shutil.copytree(ROOT / "config" / "agents", tmp_path / "agents")
    port = free_port()
    env = {
        **os.environ,
        "SALIENT_HOST_DATABASE_URL": f"sqlite:///{tmp_path / 'host.db'}",
        "SALIENT_WEB_SECRET_KEY": "a-fixed-secret-shared-by-every-replica",
        # Nothing listens there: the chat must serve anyway, and say the servers are down when asked.
        **{f"SALIENT_{name.upper()}_URL": f"http://127.0.0.1:{free_port()}/mcp" for name in SERVERS},
    }
    args = [SALIENT, "serve", "--port", str(port), "--config", str(tmp_path / "salient.yaml")]
    base = f"http://127.0.0.1:{port}"
    with serve_process(args, ready_url=f"{base}/healthz", log=tmp_path / "host.log", env=env) as process:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "server": "salient-host"}
        page = httpx.get(f"{base}/", follow_redirects=True)
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert not any(p.name.endswith(".db") for p in tmp_path.iterdir() if p.name != "host.db")  # started nothing
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    assert f"salient host serving at http://127.0.0.1:{port}" in (tmp_path / "host.log").read_text()


def test_serve_with_a_missing_configuration_says_which(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    done = subprocess.run(
        [SALIENT, "serve", "--port", str(free_port()), "--config", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "nowhere.yaml" in done.stdout + done.stderr
    assert list(tmp_path.iterdir()) == []

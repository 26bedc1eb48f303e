"""The five Salient servers over streamable HTTP, each a real subprocess with the demo company in its own files."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from salient_core.settings import default_data_dir
from salient_library.embeddings import MiniLM, find_model_dir, model_locations
from salient_library.errors import ModelMissing
from support import console_script, free_port

NAMES = ("catalog", "crm", "scheduling", "crossfeed", "library")


@dataclass
class RunningServer:
    name: str
    port: int
    data: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.data / f'{self.name}.db'}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(name: str, data: Path, *, port: int | None = None) -> RunningServer:
    port = port or free_port()
    data.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"XDG_DATA_HOME": str(data / "xdg")}
    args = [console_script(f"salient-{name}"), "--http", "--port", str(port), "--demo", "--log-level", "WARNING"]
    args += ["--db", f"sqlite:///{data / f'{name}.db'}"]
    # The child keeps its own copy of the descriptor; ours is closed at once (no ResourceWarning at exit).
    with (data / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(args, env=env, stdout=log, stderr=log)
    return RunningServer(name, port, data, process)


def wait_ready(server: RunningServer, *, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = (server.data / f"{server.name}.log").read_text(errors="replace")
            raise RuntimeError(f"salient-{server.name} exited with {server.process.returncode}:\n{log[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"salient-{server.name} did not answer /healthz within {timeout:.0f} s")


def require_library_model() -> None:
    """Skip with the reason when the library finds its embedding model nowhere it looks (and cannot download it);
    fail instead where SALIENT_TEST_REQUIRE_MODEL=1 (CI), where the founding scenario must run."""
    configured = os.environ.get("SALIENT_LIBRARY_MODEL_DIR")
    looked = model_locations(Path(configured) if configured else None, default_data_dir())
    try:
        MiniLM.shared(find_model_dir(looked), looked=tuple(looked)).embed(["ready"])
    except ModelMissing as exc:
        reason = f"salient-library cannot start: {exc}"
        if os.environ.get("SALIENT_TEST_REQUIRE_MODEL") == "1":
            pytest.fail(f"{reason}; SALIENT_TEST_REQUIRE_MODEL=1 demands the scenario run")
        pytest.skip(reason)


@contextmanager
def running_suite(data: Path, names: tuple[str, ...] = NAMES) -> Iterator[dict[str, RunningServer]]:
    """Start `names` together (they load their demo data in parallel), wait for each, stop all at the end."""
    servers = {name: start_server(name, data / name) for name in names}
    try:
        for server in servers.values():
            wait_ready(server)
        yield servers
    finally:
        for server in servers.values():
            server.stop()

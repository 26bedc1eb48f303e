"""`salient chat` in a real pseudo-terminal: Ctrl-C stops an answer and keeps the chat, Ctrl-C at the prompt leaves
with 130; /help, /new, the message limit; `salient --version`."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from host_support import SALIENT, agent, clean_env, run_salient, tiny_server, write_config
from openai_fake import FakeOpenAI
from salient_host.engine.message_rules import MAX_MESSAGE_CHARS
from salient_host.memory import Store
from support import ROOT, serve_asgi

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """`salient ARGS` on a pseudo-terminal, as a person at a keyboard runs it."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.fd, child = pty.openpty()
        self.process = subprocess.Popen(
            [SALIENT, *args], stdin=child, stdout=child, stderr=child, env=env, cwd=ROOT, start_new_session=True
        )
        os.close(child)
        self.output = ""

    async def expect(self, pattern: str, within: float = 90) -> str:
        """Read until `pattern` (a regular expression; `.` matches line ends too) shows; the output so far."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + within
        while not re.search(pattern, self.output, re.S):
            assert time.monotonic() < deadline, f"{pattern!r} did not show within {within} s:\n{self.output}"
            try:
                chunk = await loop.run_in_executor(None, self._read)
            except OSError:  # the other end closed: the program ended
                break
            self.output += ANSI.sub("", chunk)
        assert re.search(pattern, self.output, re.S), f"{pattern!r} never showed:\n{self.output}"
        return self.output

    def _read(self) -> str:
        import select

        ready, _, _ = select.select([self.fd], [], [], 0.5)
        return os.read(self.fd, 4096).decode(errors="replace") if ready else ""

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def interrupt(self) -> None:
        """Ctrl-C, as the terminal sends it: SIGINT to the foreground process."""
        self.process.send_signal(signal.SIGINT)

    async def exit_code(self, within: float = 60) -> int:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, lambda: self.process.wait(within))
        finally:
            os.close(self.fd)


def chat_config(tmp_path: Path, base: str, servers: dict[str, Any] | None = None) -> Path:
    raw = {
        "model": {"name": "gpt-4o-mini", "base_url": f"{base}/v1", "api_key_env": "FAKE_LLM_KEY"},
        "servers": servers or {},
        "agents": {"sales": agent({name: ["*"] for name in servers or {}})},
    }
    return write_config(tmp_path / "config", raw)


async def test_ctrl_c_stops_the_answer_keeps_the_chat_and_at_the_prompt_leaves_with_130(tmp_path: Path) -> None:
    fake = FakeOpenAI(hang=True)
    db = tmp_path / "host.db"
    env = clean_env(FAKE_LLM_KEY="sk-loopback", COLUMNS="200")
    async with serve_asgi(fake.app()) as base:
        chat = Terminal(
            "chat", "-a", "sales", "-c", str(chat_config(tmp_path, base)), "--db", f"sqlite:///{db}", env=env
        )
        await chat.expect(r"you> ")
        chat.type("Please wait for me\n")
        await asyncio.wait_for(fake.received.wait(), 90)  # the model has the question: the turn is running
        chat.interrupt()
        await chat.expect(r"Stopped at your request[^\n]*\n+you> ")
        assert chat.process.poll() is None, chat.output  # still chatting
        chat.type("/help\n")
        await chat.expect(r"/new .*you> ")
        chat.interrupt()  # at the prompt
        code = await chat.exit_code()
    assert code == 130, chat.output
    store = await Store.open(f"sqlite:///{db}")
    try:
        [listed] = await store.list_sessions()
        messages = await store.messages(listed.session.id)
    finally:
        await store.close()
    # The question is kept, with the stop recorded as its turn's outcome.
    assert [(m.role, m.text, m.error_code) for m in messages] == [
        ("user", "Please wait for me", None),
        ("assistant", "", "stopped"),
    ]


async def test_new_starts_another_conversation_and_long_messages_are_refused(tmp_path: Path) -> None:
    fake = FakeOpenAI()
    db = tmp_path / "host.db"
    env = clean_env(FAKE_LLM_KEY="sk-loopback", COLUMNS="200")
    async with serve_asgi(fake.app()) as base:
        path = chat_config(tmp_path, base, {"tiny": tiny_server("lookup")})
        process = await asyncio.create_subprocess_exec(
            SALIENT, "chat", "-a", "sales", "-c", str(path), "--db", f"sqlite:///{db}",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=env, cwd=ROOT,
        )  # fmt: skip
        typed = f"{'x' * (MAX_MESSAGE_CHARS + 1)}\nhello\n/new\nhello again\n/quit\n"
        out, err = await asyncio.wait_for(process.communicate(typed.encode()), 100)
    text, said = out.decode(), err.decode()
    assert process.returncode == 0, said
    # Progress on stderr: the server starting, ready, and at the end what the wait is for.
    assert "starting tiny..." in said and "tiny: ready" in said and "stopping the servers..." in said, said
    assert f"the limit is {MAX_MESSAGE_CHARS}. Shorten it" in text
    sessions = re.findall(r"in session (\w+)\.", text)
    assert len(sessions) == 2 and sessions[0] != sessions[1], text
    assert len(fake.requests) == 2  # the refused message never reached the model
    store = await Store.open(f"sqlite:///{db}")
    try:
        texts = {s: [m.text for m in await store.messages(s) if m.role == "user"] for s in sessions}
    finally:
        await store.close()
    assert texts == {sessions[0]: ["hello"], sessions[1]: ["hello again"]}


async def test_version() -> None:
    from importlib.metadata import version

    done = await run_salient("--version")
    assert done.code == 0 and done.stdout.strip() == f"salient {version('salient-host')}"

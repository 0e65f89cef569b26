"""A real `python -m bot sandbox` process for end-to-end tests, and a client for it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"sandbox ready: (http://127\.0\.0\.1:\d+)/")
# Safety nets only: a healthy run never gets near them, and no assertion depends on them.
START_AT_MOST = 60.0
WAIT_AT_MOST = 30.0


class SandboxProcess:
    """The running sandbox: its process, base URL and stderr log."""

    def __init__(self, process: subprocess.Popen[str], base: str, log: Path) -> None:
        self.process = process
        self.base = base
        self.log = log
        self.http = httpx.Client(base_url=base, timeout=WAIT_AT_MOST + 5)

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the control API (GET without a body, POST with one); the JSON answer."""
        if body is None:
            response = self.http.get(f"/control/{path}")
        else:
            response = self.http.post(f"/control/{path}", json=body)
        data = response.json()
        assert data.get("ok"), data
        return data

    def chat(self, user_id: int) -> dict[str, Any]:
        """The persona's chat as Telegram shows it."""
        return self.control(f"chat/{user_id}")

    def bot_messages(self, user_id: int) -> list[dict[str, Any]]:
        """The bot's messages in the persona's chat."""
        return [m for m in self.chat(user_id)["messages"] if m["from_bot"]]

    def wait_until(self, check: Callable[[], Any], what: str) -> Any:
        """Long-poll the sandbox's change feed until ``check()`` is truthy; return it."""
        deadline = time.monotonic() + WAIT_AT_MOST
        version = -1
        while True:
            result = check()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                raise AssertionError(f"gave up waiting for {what}\n{self.log.read_text()[-3000:]}")
            version = self.control(f"wait?since={version}&timeout={min(remaining, 10):.1f}")[
                "version"
            ]

    def says(self, user_id: int, text: str) -> dict[str, Any]:
        """Send a text as the persona and wait for the bot's next message; return it."""
        before = len(self.bot_messages(user_id))
        self.control("send", {"user_id": user_id, "text": text})
        return self.next_bot_message(user_id, before)

    def next_bot_message(self, user_id: int, before: int) -> dict[str, Any]:
        """Wait until the persona has more than ``before`` bot messages; the newest."""
        return self.wait_until(
            lambda: (self.bot_messages(user_id)[before:] or [None])[-1],
            f"a reply to {user_id}",
        )

    def calls(self, method: str) -> list[dict[str, Any]]:
        """The bot's calls of one Bot API method, with their answers."""
        return self.control(f"calls?method={method}")["calls"]

    def stop(self) -> int:
        """SIGTERM, then the exit code."""
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=START_AT_MOST)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


@contextmanager
def running_sandbox(tmp: Path, *extra: str) -> Iterator[SandboxProcess]:
    """Start `python -m bot sandbox --port 0` and yield it once it prints its ready line."""
    log = tmp / "sandbox.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    env.pop("TRAINEE_BOT_TOKEN", None)
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "sandbox",
                "--port",
                "0",
                "--db",
                str(tmp / "s.sqlite3"),
                *extra,
            ],
            cwd=tmp,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    # A watchdog instead of a sleep-and-check loop: the ready line is read as it comes.
    watchdog = threading.Timer(START_AT_MOST, process.kill)
    watchdog.start()
    base = None
    try:
        assert process.stdout is not None
        for line in process.stdout:
            match = READY.search(line)
            if match:
                base = match[1]
                break
    finally:
        watchdog.cancel()
    if base is None:
        process.kill()
        raise AssertionError(f"the sandbox never became ready:\n{log.read_text()[-3000:]}")
    sandbox = SandboxProcess(process, base, log)
    try:
        yield sandbox
    finally:
        sandbox.stop()

"""The chat page in headless Chromium: pick a persona, share the contact, see the greeting.

Uses Debian's chromium (/usr/bin/chromium) through Playwright; browsers are never
downloaded. Without chromium the test is skipped, saying so, so that the README's test
command works on a fresh machine; .ci/run installs chromium and sets
TRAINEE_BOT_REQUIRE_BROWSER, which turns the skip into a failure: CI never skips it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox.sandbox_process import SandboxProcess, running_sandbox

CHROMIUM = os.environ.get("TRAINEE_BOT_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STEP_MS = 15_000  # a safety net for each wait, not a timing assertion


def _chromium_or_skip() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path:
        return path
    if os.environ.get("TRAINEE_BOT_REQUIRE_BROWSER"):
        pytest.fail(f"no chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    pytest.skip(f"no chromium at {CHROMIUM}: apt-get install chromium to run the browser test")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    """A sandbox process for the browser."""
    with running_sandbox(tmp_path) as process:
        yield process


def test_pick_persona_bind_and_switch_to_manager(sandbox: SandboxProcess) -> None:
    executable = _chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api")
    personas = sandbox.control("personas")["personas"]
    trainee = next(p for p in personas if p["roles"] == ["trainee"])
    manager = next(p for p in personas if "manager" in p["roles"])

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 800})  # a phone
            page.set_default_timeout(STEP_MS)
            page.goto(sandbox.base + "/")
            expect = sync_api.expect

            def bind(persona: dict) -> None:
                page.select_option("#persona", str(persona["user_id"]))
                page.click("#start-button")
                share = page.locator("#keyboard button", has_text="手机号")
                share.click()
                expect(page.locator("#chat .msg.bot").last).to_contain_text(persona["name"])
                expect(page.locator("#chat")).to_contain_text("绑定成功")

            bind(trainee)
            # Personas are labelled by role (in Chinese) and name.
            expect(page.locator("#persona option:checked")).to_have_text(
                f"学员 · {trainee['name']}"
            )

            bind(manager)
            page.fill("#text", "/help")
            page.click("#send")
            expect(page.locator("#chat .msg.bot").last).to_contain_text("/roster")
            # The bot's HTML is rendered from entities: the name is bold, not markup text.
            assert page.locator("#chat .msg.bot b", has_text=manager["name"]).count() >= 1
            assert "<b>" not in page.inner_text("#chat")
        finally:
            browser.close()

"""The chat page in headless Chromium: pick a persona, share the contact, see the greeting.

Uses Debian's chromium (/usr/bin/chromium) through Playwright; browsers are never
downloaded. Without chromium the test is skipped, saying so, so that the README's test
command works on a fresh machine; .ci/run installs chromium and sets
TRAINEE_BOT_REQUIRE_BROWSER, which turns the skip into a failure: CI never skips it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
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


RATED = "专题讲座：新时代党的建设总要求"  # the demo's session that ended half an hour ago
TRAINEE, INSTRUCTOR, ADMIN = 10009, 10003, 10008  # 王芳, 王建国 (who gave it), 孙丽


def test_the_demo_walked_with_the_clock_and_kept_across_a_restart(tmp_path: Path) -> None:
    """Done when: a reminder with its button after moving the clock, a rating, the
    instructor's summary and chart after the window, /instructors with the lecture, and a
    restart with --keep that continues the same chats."""
    executable = _chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.set_default_timeout(STEP_MS)
            expect.set_options(timeout=STEP_MS)
            with running_sandbox(tmp_path) as sandbox:
                page.goto(sandbox.base + f"/#u={TRAINEE}")
                last = page.locator("#chat .msg.bot").last

                def switch(user_id: int) -> None:
                    page.select_option("#persona", str(user_id))

                def bind(user_id: int) -> None:
                    switch(user_id)
                    page.click("#start-button")
                    page.locator("#keyboard button", has_text="手机号").click()
                    expect(page.locator("#chat")).to_contain_text("绑定成功")

                def send(text: str) -> None:
                    page.fill("#text", text)
                    page.click("#send")

                def move(label: str) -> None:
                    before = page.inner_text("#clock-now")
                    page.locator("#clock button", has_text=label).click()
                    expect(page.locator("#clock-now")).not_to_have_text(before)

                bind(TRAINEE)
                # The menu button lists what the bot set for this person; a tap sends it.
                page.click("#menu-button")
                expect(page.locator("#menu")).to_contain_text("/checkin")
                page.locator("#menu button", has_text="/me").click()
                expect(last).to_contain_text("还可请")  # /me: the limit, plainly
                expect(page.locator("#menu")).to_be_hidden()
                # A /command in the bot's text is tappable, as in Telegram's apps.
                page.locator("#chat .msg.bot a.command", has_text="/week").first.click()
                expect(last).to_contain_text("（周")  # days with their weekday
                # The next session starts in 20 minutes: its reminder is 5 minutes away.
                move("下一节课")
                reminder = page.locator("#chat .msg.bot", has_text="上课提醒")
                expect(reminder.locator(".inline button", has_text="签到").first).to_be_visible()

                # A rating of the lecture that ended half an hour ago.
                send("/rate")
                last.locator(".inline button", has_text=RATED).click()
                form = page.locator("#chat .msg.bot", has_text="课程测评").last
                for answered in range(1, 5):
                    form.locator(".inline button", has_text="5★").click()
                    expect(form).to_have_text(re.compile(f"(★★★★★[^★]*){{{answered}}}", re.DOTALL))
                form.locator(".inline button", has_text="提交").click()
                expect(page.locator("#chat")).to_contain_text("已提交")

                # The instructor hears of it once the window closes, with the chart.
                bind(INSTRUCTOR)
                move("明早")
                move("明早")
                summary = page.locator("#chat .msg.bot", has_text=RATED)
                expect(summary.first).to_be_visible()
                expect(page.locator("#chat .msg.bot img").last).to_be_visible()
                assert (
                    page.locator("#chat .msg.bot img").last.evaluate("img => img.naturalWidth")
                    > 300
                )

                # The school's league table now holds the lecture.
                bind(ADMIN)
                send("/instructors")
                table = page.locator("#chat .msg.bot", has_text="教师测评汇总").last
                expect(table).to_contain_text("王建国")
                expect(table).to_contain_text(RATED)  # the lecture, named under its instructor
                expect(page.locator("#chat .msg.bot a", has_text=".xlsx")).to_be_visible()
                kept = page.inner_text("#chat")
                sandbox.process.send_signal(signal.SIGTERM)
                assert sandbox.process.wait(timeout=30) == 0

            with running_sandbox(tmp_path, "--keep") as again:
                page.goto(again.base + f"/#u={ADMIN}")
                expect(page.locator("#chat")).to_contain_text(RATED)
                assert page.inner_text("#chat").startswith(kept[:200])
                send("/help")
                expect(last).to_contain_text("孙丽")
                switch(INSTRUCTOR)
                expect(page.locator("#chat .msg.bot img").last).to_be_visible()
        finally:
            browser.close()

"""The sandbox's movable clock and ``--keep``, over real HTTP against a real sandbox process."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.sandbox.sandbox_process import SandboxProcess, running_sandbox

TRAINEE = 10009  # 王芳: a trainee left to the user (not checked in, has not rated)
MANAGER = 10000


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox process for the module's tests."""
    with running_sandbox(tmp_path_factory.mktemp("clock")) as process:
        yield process


def bind(sandbox: SandboxProcess, user_id: int) -> None:
    """/start and share the contact."""
    sandbox.says(user_id, "/start")
    before = len(sandbox.bot_messages(user_id))
    sandbox.control("contact", {"user_id": user_id})
    sandbox.next_bot_message(user_id, before)


def move(sandbox: SandboxProcess, body: object) -> tuple[int, dict]:
    """POST /control/clock; (status, answer)."""
    response = sandbox.http.post("/control/clock", json=body)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"minutes": -5},
        {"minutes": 0},
        {"minutes": "15"},
        {"minutes": True},
        {"minutes": 10**9},
        {"to": "yesterday"},
        {"to": "2020-01-01T08:00:00+08:00"},
        {"to": 5},
        {"minutes": 5, "to": "next-session"},
        {},
        [1, 2],
    ],
)
def test_bad_moves_are_refused_and_time_stands(sandbox: SandboxProcess, body: object) -> None:
    before = datetime.fromisoformat(sandbox.control("clock")["now"])
    status, answer = move(sandbox, body)
    assert status == 400 and not answer["ok"] and answer["error"], answer
    after = datetime.fromisoformat(sandbox.control("clock")["now"])
    assert after - before < timedelta(minutes=1)  # real seconds only


def test_garbage_body_is_refused(sandbox: SandboxProcess) -> None:
    response = sandbox.http.post("/control/clock", content=b"{not json")
    assert response.status_code == 400


def test_the_demo_shows_data_at_once(sandbox: SandboxProcess) -> None:
    """Before any clock move: the past of the demo is in every view."""
    bind(sandbox, MANAGER)
    risk = sandbox.says(MANAGER, "/risk")["text"]
    assert "冯雨" in risk and "上限的 75%" in risk  # near the limit: 12 of 15.8 class hours
    assert "胡志刚" in risk and "旷课 2 天" in risk  # absent without leave on two days
    assert "人没有请假，也没有缺勤。" in risk  # the rest in one line, not one each
    pending = sandbox.says(MANAGER, "/pending")
    assert "等待您审批" in pending["text"]
    sandbox.wait_until(
        lambda: any("何雪梅" in (m["text"] or "") for m in sandbox.bot_messages(MANAGER)[-3:]),
        "the waiting request's card",
    )
    table = sandbox.says(MANAGER, "/instructors")["text"]
    assert "1. 王建国" in table and "满意率" in table
    bind(sandbox, 10010)  # 李强: sick leave on one past morning
    me = sandbox.says(10010, "/me")["text"]
    assert "病假 4" in me and "请假上限 15.8 学时" in me


def test_the_next_session_brings_its_reminder_with_the_check_in_button(
    sandbox: SandboxProcess,
) -> None:
    bind(sandbox, TRAINEE)
    clock = sandbox.control("clock")
    assert clock["movable"] and clock["timezone"] == "Asia/Shanghai"
    following = datetime.fromisoformat(clock["next_session"])
    now = datetime.fromisoformat(clock["now"])
    assert timedelta(minutes=18) < following - now <= timedelta(minutes=20)
    before = len(sandbox.bot_messages(TRAINEE))
    moved = sandbox.control("clock", {"to": "next-session"})
    assert datetime.fromisoformat(moved["now"]) == following
    # Jobs ran in order, each at its moment: the reminder 15 minutes before the start.
    reminders = [name for name in moved["ran"] if name.endswith(":remind")]
    assert reminders, moved["ran"]
    reminder = sandbox.wait_until(
        lambda: next(
            (m for m in sandbox.bot_messages(TRAINEE)[before:] if m["inline_keyboard"]), None
        ),
        "the reminder with its button",
    )
    labels = [b["text"] for row in reminder["inline_keyboard"] for b in row]
    assert any("签到" in label for label in labels), labels
    # The chat shows the sandbox's time, not the machine's.
    assert reminder["date"] >= int(following.timestamp()) - 15 * 60


def test_minutes_move_forward_and_the_page_time_follows(sandbox: SandboxProcess) -> None:
    before = datetime.fromisoformat(sandbox.control("clock")["now"])
    moved = sandbox.control("clock", {"minutes": 60})
    after = datetime.fromisoformat(moved["now"])
    assert timedelta(minutes=60) <= after - before < timedelta(minutes=61)
    morning = sandbox.control("clock", {"to": "next-morning"})
    local = datetime.fromisoformat(morning["now"])
    assert (local.hour, local.minute) == (8, 0) and local.date() > after.date()
    assert any(name.endswith(":digest:" + local.date().isoformat()) for name in morning["ran"])


def test_keep_continues_the_same_chats(tmp_path: Path) -> None:
    with running_sandbox(tmp_path) as first:
        bind(first, TRAINEE)
        first.says(TRAINEE, "/me")
        first.control("clock", {"minutes": 30})
        kept_clock = datetime.fromisoformat(first.control("clock")["now"])
        shown = first.chat(TRAINEE)["messages"]
        first.process.send_signal(signal.SIGTERM)
        assert first.process.wait(timeout=30) == 0
    with running_sandbox(tmp_path, "--keep") as again:
        chat = again.chat(TRAINEE)["messages"]
        # (The move may have sent a reminder after ``shown`` was read: compare what was shown.)
        assert [(m["message_id"], m["text"]) for m in chat[: len(shown)]] == [
            (m["message_id"], m["text"]) for m in shown
        ]
        # The clock stands where it stood (the kept records are in its time).
        assert datetime.fromisoformat(again.control("clock")["now"]) >= kept_clock
        # A new message is new: numbering goes on, the bot answers it (not "handled before").
        reply = again.says(TRAINEE, "/help")
        assert reply["message_id"] > max(m["message_id"] for m in chat)
        assert "已经处理过" not in reply["text"] and "王芳" in reply["text"]
        # A message the bot starts itself reaches the kept chat.
        before = len(again.bot_messages(TRAINEE))
        again.control("clock", {"to": "next-session"})
        again.wait_until(
            lambda: len(again.bot_messages(TRAINEE)) > before, "the reminder in the kept chat"
        )
        failed = [c for c in again.calls("sendMessage") if c["status"] != 200]
        assert failed == []


def test_the_menu_is_what_the_bot_set_for_each_person(sandbox: SandboxProcess) -> None:
    bind(sandbox, MANAGER)
    bind(sandbox, 10010)

    def menu(user_id: int) -> list[str]:
        return [c["command"] for c in sandbox.control(f"commands/{user_id}")["commands"]]

    assert "roster" in menu(MANAGER) and "instructors" in menu(MANAGER)
    assert "checkin" in menu(10010) and "roster" not in menu(10010)
    response = sandbox.http.get("/control/commands/1")
    assert response.status_code == 400  # not a persona


def test_the_page_has_a_favicon_and_no_emoji_icons(sandbox: SandboxProcess) -> None:
    icon = sandbox.http.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")
    page = sandbox.http.get("/").text
    assert 'rel="icon"' in page and "📎" not in page and "<svg" in page

"""End to end over real HTTP: `python -m bot sandbox` runs the real bot against its server."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.buttons import LeaveForm, LeaveKind, LeavePick, LeaveStep, unpack
from tests.sandbox.sandbox_process import SandboxProcess, running_sandbox

MANAGER = 10000  # personas follow the demo roster: managers first, then the monitor...
TRAINEES = iter(range(10009, 10038))  # trainees only; each test binds its own


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox process for the module's tests."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as process:
        yield process


def persona(sandbox: SandboxProcess, user_id: int) -> dict:
    """The persona's entry in the control API."""
    return next(p for p in sandbox.control("personas")["personas"] if p["user_id"] == user_id)


def bind(sandbox: SandboxProcess, user_id: int) -> str:
    """/start, then press the share-contact button the bot shows; the bot's answer."""
    welcome = sandbox.says(user_id, "/start")
    keyboard = sandbox.chat(user_id)["keyboard"]
    assert keyboard["keyboard"][0][0]["request_contact"] is True, welcome
    before = len(sandbox.bot_messages(user_id))
    sandbox.control("contact", {"user_id": user_id})
    return sandbox.next_bot_message(user_id, before)["text"]


def test_bind_by_shared_contact_then_help_by_role(sandbox: SandboxProcess) -> None:
    trainee = next(TRAINEES)
    name = persona(sandbox, trainee)["name"]
    assert name in bind(sandbox, trainee)
    trainee_help = sandbox.says(trainee, "/help")["text"]
    assert name in trainee_help
    assert "/checkin" in trainee_help or "/me" in trainee_help or "/lang" in trainee_help
    assert "/roster" not in trainee_help

    manager_name = persona(sandbox, MANAGER)["name"]
    assert manager_name in bind(sandbox, MANAGER)
    manager_help = sandbox.says(MANAGER, "/help")["text"]
    assert manager_name in manager_help
    assert "/roster" in manager_help


@pytest.mark.parametrize(
    "fault",
    [
        {"error": "429", "retry_after": 1},
        {"error": "403"},
        {"error": "500"},
        {"error": "timeout"},
    ],
    ids=["429", "403", "500", "timeout"],
)
def test_bot_survives_faults_without_losing_the_action(
    sandbox: SandboxProcess, fault: dict
) -> None:
    trainee = next(TRAINEES)
    name = persona(sandbox, trainee)["name"]
    sandbox.says(trainee, "/start")
    faulted_before = sum(c["fault"] for c in sandbox.calls("sendMessage"))
    sandbox.control("faults", {"method": "sendMessage", "times": 1, **fault})
    before = len(sandbox.bot_messages(trainee))
    # The user's action: sharing their contact binds them, whatever happens to the reply.
    sandbox.control("contact", {"user_id": trainee})
    sandbox.wait_until(
        lambda: sum(c["fault"] for c in sandbox.calls("sendMessage")) > faulted_before,
        "the injected fault to fire",
    )
    # The bot answers something (the retried reply or its apology) and keeps running.
    sandbox.next_bot_message(trainee, before)
    help_text = sandbox.says(trainee, "/help")["text"]
    assert name in help_text, help_text  # bound: the action was not lost
    assert sandbox.process.poll() is None


@pytest.mark.parametrize("error", ["500", "403"])
def test_a_failed_button_answer_keeps_the_language_switch(
    sandbox: SandboxProcess, error: str
) -> None:
    trainee = next(TRAINEES)
    bind(sandbox, trainee)
    choice = sandbox.says(trainee, "/lang")
    assert [b["text"] for b in choice["inline_keyboard"][0]] == ["中文", "English"]
    sandbox.control("faults", {"method": "answerCallbackQuery", "error": error, "times": 1})
    answered = len(sandbox.calls("answerCallbackQuery"))
    sandbox.control(
        "press", {"user_id": trainee, "message_id": choice["message_id"], "text": "English"}
    )

    def confirmed() -> bool:
        shown = next(
            m for m in sandbox.chat(trainee)["messages"] if m["message_id"] == choice["message_id"]
        )
        return shown["text"] == "Language set to English."

    sandbox.wait_until(confirmed, "the choice to be confirmed")
    # The answer comes after the confirmation: wait for it rather than look too early (the
    # test used to read the calls in between, and failed when the machine was busy).
    sandbox.wait_until(
        lambda: len(sandbox.calls("answerCallbackQuery")) > answered, "the press to be answered"
    )
    assert [c["fault"] for c in sandbox.calls("answerCallbackQuery")[answered:]] == [True]
    assert sandbox.says(trainee, "/help")["text"].startswith("Hello,")
    assert sandbox.process.poll() is None


def test_updates_are_not_lost_when_get_updates_fails(sandbox: SandboxProcess) -> None:
    trainee = next(TRAINEES)
    sandbox.says(trainee, "/start")
    sandbox.control("faults", {"method": "getUpdates", "error": "500", "times": 2})
    reply = sandbox.says(trainee, "/help")
    assert reply["text"]
    assert sandbox.process.poll() is None


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    with running_sandbox(tmp_path) as process:
        assert process.says(10009, "/start")["text"]
        process.process.send_signal(signal.SIGTERM)
        assert process.process.wait(timeout=30) == 0
        assert process.process.stdout is not None
        assert "sandbox stopped" in process.process.stdout.read()


def test_a_leave_request_walks_through_with_the_trainee_and_the_class_manager(
    sandbox: SandboxProcess,
) -> None:
    """The demo as a school would try it: a trainee asks for leave, a class manager approves."""

    manager = MANAGER + 1  # the demo's second class manager; the first is bound elsewhere
    bind(sandbox, manager)
    trainee = next(TRAINEES)
    name = persona(sandbox, trainee)["name"]
    bind(sandbox, trainee)

    def press(user_id: int, message: dict, data: str) -> None:
        before = sandbox.bot_messages(user_id)
        sandbox.control(
            "press", {"user_id": user_id, "message_id": message["message_id"], "data": data}
        )
        sandbox.wait_until(lambda: sandbox.bot_messages(user_id) != before, f"an answer to {data}")

    picker = sandbox.says(trainee, "/leave")
    pick = next(  # a session still to come (not one marked 补, leave after the fact)
        b["callback_data"]
        for row in picker["inline_keyboard"]
        for b in row
        if isinstance(unpack(b["callback_data"]), LeavePick) and "补" not in b["text"]
    )
    press(trainee, picker, pick)
    press(trainee, picker, LeaveForm(LeaveStep.DONE).pack())
    press(trainee, picker, LeaveKind(1).pack())  # 事假
    attach = sandbox.says(trainee, "家中有事，需请假半天")
    press(trainee, attach, LeaveForm(LeaveStep.SKIP).pack())
    preview = sandbox.bot_messages(trainee)[-1]
    assert "家中有事" in preview["text"] and "学时" in preview["text"]
    press(trainee, preview, LeaveForm(LeaveStep.SEND).pack())

    card = sandbox.wait_until(
        lambda: next(
            (
                m
                for m in sandbox.bot_messages(manager)
                if name in m["text"] and m["inline_keyboard"]
            ),
            None,
        ),
        "the leave card to reach the class manager",
    )
    assert "家中有事" in card["text"]
    approve = card["inline_keyboard"][0][0]
    assert approve["text"] == "✅ 批准"
    sandbox.control(
        "press",
        {"user_id": manager, "message_id": card["message_id"], "data": approve["callback_data"]},
    )
    told = sandbox.wait_until(
        lambda: next((m for m in sandbox.bot_messages(trainee) if "已批准" in m["text"]), None),
        "the trainee to hear the decision",
    )
    assert "撤销" in str(told["inline_keyboard"])

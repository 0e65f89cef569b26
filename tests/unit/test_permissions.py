"""One table of who may do what: the checks, the command menu and /help all read it."""

from __future__ import annotations

from bot.permissions import COMMANDS, Capability, commands_for, level_capability, may, roles_for
from bot.rules.roles import Role


def test_every_capability_has_roles_and_every_command_a_text() -> None:
    for capability in Capability:
        assert roles_for(capability), capability
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))


def test_the_menu_offers_exactly_what_the_roles_may_do() -> None:
    trainee = [c.name for c in commands_for({Role.TRAINEE})]
    assert {"checkin", "checkout", "me", "fix", "leave", "back", "rate"} <= set(trainee)
    assert not {"code", "roll", "risk", "pending", "announce", "instructors", "roster"} & set(
        trainee
    )
    monitor = {c.name for c in commands_for({Role.MONITOR})}
    assert {"roll", "roster"} <= monitor and "code" not in monitor
    admin = {c.name for c in commands_for({Role.ADMIN})}
    # Issue 14: admins of a class see its roll call and the trainees at risk, and mark no one.
    assert {"pending", "announce", "instructors", "roster", "roll", "risk"} <= admin
    assert not may({"admin"}, Capability.MARK_ATTENDANCE)
    # A manager who is also an instructor gets both sides, once each.
    both = [c.name for c in commands_for({Role.MANAGER, Role.INSTRUCTOR})]
    assert {"code", "roll", "risk", "leave", "myratings", "pending"} <= set(both)
    assert "fix" not in both
    assert len(both) == len(set(both))
    # Nobody bound: only what needs no role.
    # (/verify: anyone may check a certificate, bound or not.)
    assert [c.name for c in commands_for(set())] == [
        "help",
        "today",
        "week",
        "next",
        "lang",
        "verify",
    ]


def test_decisions_by_level_and_over_the_limit() -> None:
    assert roles_for(level_capability(1)) == {Role.MANAGER}
    assert roles_for(level_capability(2)) == {Role.ADMIN}
    assert may({"admin"}, Capability.DECIDE_OVER_LIMIT)
    assert may({"manager"}, Capability.DECIDE_OVER_LIMIT)
    assert not may({"monitor", "trainee", "instructor"}, Capability.DECIDE_OVER_LIMIT)

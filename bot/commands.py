"""Which commands exist and who may use them: the source of /help and of the command menu.

A feature that adds a command adds it here; its description is the macro of the same name
in templates/<locale>/commands.txt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.rules.roles import Role


@dataclass(frozen=True)
class Command:
    """A command and the roles that may use it (None: anyone bound to the bot)."""

    name: str
    roles: frozenset[Role] | None = None


_STAFF = frozenset({Role.MANAGER, Role.MONITOR, Role.ADMIN})

# In the order the menu shows them.
COMMANDS: tuple[Command, ...] = (
    Command("help"),
    Command("roster", _STAFF),
    # reminders:
    Command("today"),
    Command("week"),
    Command("next"),
    Command("announce", frozenset({Role.MANAGER, Role.ADMIN})),
    # check-in:
    Command("checkin", frozenset({Role.TRAINEE})),
    Command("checkout", frozenset({Role.TRAINEE})),
    Command("code", frozenset({Role.MANAGER})),
    Command("roll", frozenset({Role.MANAGER, Role.MONITOR})),
    Command("me", frozenset({Role.TRAINEE})),
    # leave:
    Command("leave", frozenset({Role.TRAINEE})),
    Command("back", frozenset({Role.TRAINEE})),
    Command("pending", frozenset({Role.MANAGER, Role.ADMIN})),
    # ratings:
    Command("rate", frozenset({Role.TRAINEE, Role.MANAGER})),
    Command("myratings", frozenset({Role.INSTRUCTOR})),
    Command("instructors", frozenset({Role.ADMIN, Role.MANAGER})),
    Command("lang"),
)

# What someone who is not bound yet can do.
UNBOUND_COMMANDS: tuple[str, ...] = ("start", "help")


def commands_for(roles: Iterable[Role]) -> list[Command]:
    """Return the commands open to someone holding these roles (in any class)."""
    held = frozenset(roles)
    return [c for c in COMMANDS if c.roles is None or c.roles & held]

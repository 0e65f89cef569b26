"""The roles a person can hold in a class."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A role in one class; one person may hold several, in several classes."""

    TRAINEE = "trainee"
    MANAGER = "manager"
    MONITOR = "monitor"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


# Import sheets name roles in English or Chinese; both map to the same Role.
ROLE_ALIASES: dict[str, Role] = {
    "trainee": Role.TRAINEE,
    "学员": Role.TRAINEE,
    "manager": Role.MANAGER,
    "班主任": Role.MANAGER,
    "monitor": Role.MONITOR,
    "纪律委员": Role.MONITOR,
    "instructor": Role.INSTRUCTOR,
    "授课教师": Role.INSTRUCTOR,
    "教师": Role.INSTRUCTOR,
    "admin": Role.ADMIN,
    "管理员": Role.ADMIN,
}


def parse_role(text: str) -> Role | None:
    """Return the role a cell names (English or Chinese, any case), or None."""
    return ROLE_ALIASES.get(text.strip().lower())

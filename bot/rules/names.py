"""Naming a trainee in typed text: "王芳 手机没电", "Trainee with a long name 0042 late"."""

from __future__ import annotations

from typing import Final

# At least this many trailing digits of a phone number name someone.
PHONE_DIGITS: Final = 4


def named(name: str, phone: str, text: str) -> str | None:
    """The rest of the text (a reason, possibly empty) if it starts by naming this person:
    their full name (spaces allowed in it), or at least the last four digits of their phone
    number, followed by a space or nothing; else None."""
    after = text[len(name) : len(name) + 1]
    if name and text.startswith(name) and (not after or after.isspace()):
        return text[len(name) :].strip()
    who, _, rest = text.partition(" ")
    if len(who) >= PHONE_DIGITS and who.isascii() and who.isdigit() and phone.endswith(who):
        return rest.strip()
    return None

"""The rule for binding a Telegram account to a person on a roster (pure)."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class Person(Protocol):
    """What the rule needs of a person on a roster."""

    @property
    def id(self) -> int: ...

    @property
    def telegram_user_id(self) -> int | None: ...


class BindOutcome(StrEnum):
    """What came of an attempt to bind, each with its own reply."""

    BOUND = "bound"
    ALREADY_BOUND = "already_bound"  # this account is already this person: nothing to do
    ACCOUNT_IS_SOMEONE_ELSE = "account_is_someone_else"
    TAKEN = "taken"  # the person is bound to another account
    NO_MATCH = "no_match"
    NOT_OWN_CONTACT = "not_own_contact"


def decide(user_id: int, target: Person | None, current: Person | None) -> BindOutcome:
    """Decide whether account ``user_id`` may become ``target``.

    ``current`` is the person the account is bound to already, if any. A binding is never
    moved silently: an account bound to one person cannot take another person's place, and
    a person bound to one account cannot be taken by another; a class manager sorts it out.
    """
    if target is None:
        return BindOutcome.NO_MATCH
    if current is not None:
        return (
            BindOutcome.ALREADY_BOUND
            if current.id == target.id
            else (BindOutcome.ACCOUNT_IS_SOMEONE_ELSE)
        )
    if target.telegram_user_id is not None and target.telegram_user_id != user_id:
        return BindOutcome.TAKEN
    return BindOutcome.BOUND

"""The binding rule, every branch."""

from __future__ import annotations

from bot.rules.binding import BindOutcome, decide
from storage.people import Person


def person(pid: int, user: int | None = None) -> Person:
    return Person(pid, f"p{pid}", f"1380000000{pid}", None, f"code{pid}", user, None)


def test_no_target() -> None:
    assert decide(7, None, None) is BindOutcome.NO_MATCH


def test_free_target_binds() -> None:
    assert decide(7, person(1), None) is BindOutcome.BOUND


def test_same_binding_again_is_a_no_op() -> None:
    assert decide(7, person(1, 7), person(1, 7)) is BindOutcome.ALREADY_BOUND


def test_account_bound_elsewhere_cannot_take_another_place() -> None:
    assert decide(7, person(2), person(1, 7)) is BindOutcome.ACCOUNT_IS_SOMEONE_ELSE


def test_person_bound_to_another_account_is_taken() -> None:
    assert decide(7, person(1, 8), None) is BindOutcome.TAKEN

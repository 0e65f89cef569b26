"""The button codec: the only way button data is made and read."""

from __future__ import annotations

import pytest

from bot.buttons import (
    MAX_BYTES,
    Audience,
    LangSet,
    LeaveApprove,
    LeaveForm,
    LeaveStep,
    LimitDecide,
    RateScore,
    RollMark,
    unpack,
)
from bot.rules.attendance import Status
from bot.rules.leave_limit import LimitDecision


def test_round_trip_keeps_the_wire_format_of_every_release() -> None:
    assert LangSet("en").pack() == "1|ls|en"
    assert unpack("1|ls|en") == LangSet("en")
    assert LeaveApprove(3, 1).pack() == "1|la|3|1"
    assert unpack("1|la|3|1") == LeaveApprove(request_id=3, level=1)
    assert unpack("1|lf|done") == LeaveForm(LeaveStep.DONE)
    assert unpack("1|ll|7|9|continues") == LimitDecide(7, 9, LimitDecision.CONTINUES)
    assert unpack("1|rm|1|2|late") == RollMark(1, 2, Status.LATE)
    assert unpack("1|rs|5|0|4") == RateScore(5, 0, 4)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "ls|en",  # no version
        "0|ls|en",  # another version: a button from an older release
        "1|zz|en",  # unknown kind
        "1|ls",  # missing field
        "1|ls|en|extra",  # too many
        "1|ls|" + "x" * 70,  # over 64 bytes
        "1|la|--5|1",  # not an integer
        "1|la|-|1",
        "1|la|5.0|1",
        "1|la|１|1",  # a full-width digit is not ours
        "1|la|9223372036854775808|1",  # beyond 64 bits
        "1|la|-9223372036854775809|1",
        "1|lf|later",  # not a step of the form
        "1|ll|1|2|expelled",  # not a decision
        "1|na|everyone",  # not an audience
        "1|rm|1|2|Present",  # values are exact
    ],
)
def test_forged_malformed_or_stale_data_is_refused(data: str | None) -> None:
    assert unpack(data) is None


def test_the_largest_integers_telegram_allows_pass() -> None:
    top = 2**63 - 1
    assert unpack(f"1|la|{top}|1") == LeaveApprove(top, 1)
    assert unpack(f"1|la|{-(2**63)}|1") == LeaveApprove(-(2**63), 1)


def test_pack_refuses_what_telegram_would() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        LangSet("中" * 21).pack()  # 63 bytes of Chinese plus the prefix
    with pytest.raises(ValueError):
        LangSet(5).pack()  # type: ignore[arg-type]  # wrong type
    with pytest.raises(ValueError):
        LangSet("a|b").pack()
    with pytest.raises(ValueError):
        LeaveApprove(True, 1).pack()  # a bool is not an id
    with pytest.raises(ValueError):
        LeaveApprove(2**63, 1).pack()
    with pytest.raises(ValueError):
        LeaveForm("done").pack()  # type: ignore[arg-type]  # the enum, not its value
    assert len(LangSet("x" * (MAX_BYTES - 5)).pack().encode()) == MAX_BYTES
    assert Audience("all") is Audience.ALL

"""The one codec for inline-button callback data: version, action, typed arguments.

``pack(Action.LANG_SET, "en")`` gives ``"1|ls|en"``. The leading version lets a button from
an older release be recognised as stale instead of misread. Telegram allows 1-64 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

VERSION: Final = "1"
MAX_BYTES: Final = 64
_SEP: Final = "|"


class Action(StrEnum):
    """What a button does; the value is what travels in the callback data."""

    LANG_SET = "ls"
    # reminders:
    ANNOUNCE_CLASS = "nc"  # class the notice goes to
    ANNOUNCE_AUDIENCE = "na"  # "all" or "trainees"
    ANNOUNCE_SEND = "ns"  # confirm the previewed notice
    ANNOUNCE_CANCEL = "nx"  # drop the form
    ANNOUNCE_REPORT = "nr"  # announcement id: who received it so far
    # check-in:
    CHECKIN = "ci"
    CHECKOUT = "co"
    CHECKOUT_EARLY = "ce"
    ROLL_REFRESH = "rr"
    ROLL_MARK = "rm"
    # leave:
    LEAVE_PICK = "lp"  # toggle one session in the request being written
    LEAVE_DAY = "ld"  # toggle a whole day (local date)
    LEAVE_FORM = "lf"  # a step of the form: done, skip, send, abort
    LEAVE_APPROVE = "la"  # request id, level
    LEAVE_REJECT = "lr"  # request id, level
    LEAVE_CANCEL = "lc"  # cancel a pending / withdraw an approved request
    LEAVE_BACK = "lb"  # report back (销假)
    LEAVE_LIMIT = "ll"  # class, trainee, "dismissed" or "continues": over-limit decision
    # ratings:
    RATE_OPEN = "ro"  # session: open (or reopen) the form
    RATE_SCORE = "rs"  # session, question index, score 1-5
    RATE_ASK = "ra"  # session, question index: change that answer
    RATE_COMMENT = "rc"  # session: the next message is the comment
    RATE_SUBMIT = "rk"  # session


# The argument types each action takes, in order. unpack() refuses anything else.
ARG_TYPES: Final[dict[Action, tuple[type, ...]]] = {
    Action.LANG_SET: (str,),
    # reminders:
    Action.ANNOUNCE_CLASS: (int,),
    Action.ANNOUNCE_AUDIENCE: (str,),
    Action.ANNOUNCE_SEND: (),
    Action.ANNOUNCE_CANCEL: (),
    Action.ANNOUNCE_REPORT: (int,),
    # check-in:
    Action.CHECKIN: (int,),  # session
    Action.CHECKOUT: (int,),  # session
    Action.CHECKOUT_EARLY: (int,),  # session: confirmed leaving early
    Action.ROLL_REFRESH: (int,),  # session
    Action.ROLL_MARK: (int, int, str),  # session, person, status
    # leave:
    Action.LEAVE_PICK: (int,),
    Action.LEAVE_DAY: (str,),
    Action.LEAVE_FORM: (str,),
    Action.LEAVE_APPROVE: (int, int),
    Action.LEAVE_REJECT: (int, int),
    Action.LEAVE_CANCEL: (int,),
    Action.LEAVE_BACK: (int,),
    Action.LEAVE_LIMIT: (int, int, str),
    # ratings:
    Action.RATE_OPEN: (int,),
    Action.RATE_SCORE: (int, int, int),
    Action.RATE_ASK: (int, int),
    Action.RATE_COMMENT: (int,),
    Action.RATE_SUBMIT: (int,),
}


@dataclass(frozen=True)
class Callback:
    """A decoded, well-formed callback: an action and its typed arguments."""

    action: Action
    args: tuple[int | str, ...]


def pack(action: Action, *args: int | str) -> str:
    """Encode a button's data; raise ValueError if it breaks the action's shape or 64 bytes."""
    types = ARG_TYPES[action]
    if len(args) != len(types) or not all(
        isinstance(a, t) and not isinstance(a, bool) for a, t in zip(args, types, strict=True)
    ):
        raise ValueError(f"{action!r} takes {types}, got {args!r}")
    if any(_SEP in str(a) for a in args):
        raise ValueError(f"callback arguments may not contain {_SEP!r}")
    data = _SEP.join([VERSION, action.value, *map(str, args)])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None) -> Callback | None:
    """Decode callback data; None for anything forged, malformed or from another version."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    version, *rest = data.split(_SEP)
    if version != VERSION or not rest:
        return None
    try:
        action = Action(rest[0])
    except ValueError:
        return None
    types = ARG_TYPES[action]
    raw = rest[1:]
    if len(raw) != len(types):
        return None
    args: list[int | str] = []
    for value, kind in zip(raw, types, strict=True):
        if kind is int:
            if not value.isascii() or not value.lstrip("-").isdigit():
                return None
            args.append(int(value))
        else:
            args.append(value)
    return Callback(action, tuple(args))

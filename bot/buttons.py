"""Inline buttons, typed: one small frozen class per kind of button, and the one codec.

A button travels as callback data ``1|<code>|<field>|<field>...``, at most 64 bytes (Telegram's
limit). The leading version lets a button from an older release be recognised as stale
instead of misread; the format is the one every release has sent, so buttons already in
people's chats keep working. ``LeaveApprove(request_id=3, level=1).pack()`` gives ``"1|la|3|1"``
and ``unpack("1|la|3|1")`` gives the LeaveApprove back; anything forged, malformed or from
another version unpacks to None, never to an exception.

A kind is a frozen dataclass subclassing ``Button`` with its code::

    @dataclass(frozen=True)
    class LeaveApprove(Button, code="la"):
        request_id: int
        level: int

Field types are ``int`` (a 64-bit integer, as Telegram's own ids), ``str`` (without ``|``) or
a ``StrEnum`` (one of its values). handlers/common.py's ``on_press`` registers a handler for
some kinds: the press is decoded once, and the handler receives the typed button.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cache
from typing import Any, ClassVar, Final, get_type_hints

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rules.attendance import Status
from bot.rules.leave_limit import LimitDecision

VERSION: Final = "1"
MAX_BYTES: Final = 64
_SEP: Final = "|"
_INT: Final = re.compile(r"-?[0-9]{1,19}")
_INT_RANGE: Final = range(-(2**63), 2**63)

_KINDS: dict[str, type[Button]] = {}


class Button:
    """A kind of inline button; subclasses are frozen dataclasses with a ``code``."""

    code: ClassVar[str]

    def __init_subclass__(cls, *, code: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code in _KINDS or not code or _SEP in code:
            raise ValueError(f"button code {code!r} is taken or malformed")
        cls.code = code
        _KINDS[code] = cls

    def pack(self) -> str:
        """This button's callback data; ValueError if a field breaks its type or 64 bytes."""
        parts = [VERSION, self.code]
        for name, kind in _field_types(type(self)):
            value = getattr(self, name)
            if not _fits(value, kind):
                raise ValueError(f"{type(self).__name__}.{name} must be {kind}, not {value!r}")
            parts.append(str(value.value if isinstance(value, StrEnum) else value))
        data = _SEP.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data


def kinds() -> tuple[type[Button], ...]:
    """Every kind of button there is."""
    return tuple(_KINDS.values())


def code_of(data: object) -> str | None:
    """The kind's code of callback data of our version, without decoding the fields."""
    if not isinstance(data, str) or not data.startswith(VERSION + _SEP):
        return None
    return data.split(_SEP, 2)[1]


def unpack(data: object) -> Button | None:
    """Decode callback data; None for anything forged, malformed or from another version."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    version, *rest = data.split(_SEP)
    if version != VERSION or not rest or rest[0] not in _KINDS:
        return None
    kind = _KINDS[rest[0]]
    types = _field_types(kind)
    if len(rest) - 1 != len(types):
        return None
    values: dict[str, Any] = {}
    for raw, (name, field_type) in zip(rest[1:], types, strict=True):
        value = _parse(raw, field_type)
        if value is None:
            return None
        values[name] = value
    return kind(**values)


def keyboard(rows: Iterable[Iterable[tuple[str, Button]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, button)."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=button.pack()) for label, button in row]
            for row in rows
        ]
    )


def one_button(label: str, button: Button) -> InlineKeyboardMarkup:
    """A keyboard of a single button."""
    return keyboard([[(label, button)]])


@cache
def _field_types(kind: type[Button]) -> tuple[tuple[str, type], ...]:
    hints = get_type_hints(kind)
    return tuple((f.name, hints[f.name]) for f in fields(kind))  # type: ignore[arg-type]


def _fits(value: object, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and value in _INT_RANGE
    if issubclass(kind, StrEnum):
        return isinstance(value, kind)
    return isinstance(value, str) and _SEP not in value


def _parse(raw: str, kind: type) -> object | None:
    if kind is int:
        if not _INT.fullmatch(raw) or int(raw) not in _INT_RANGE:
            return None
        return int(raw)
    if issubclass(kind, StrEnum):
        try:
            return kind(raw)
        except ValueError:
            return None
    return raw


# -- language -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LangSet(Button, code="ls"):
    """/lang: switch to this language."""

    locale: str


# -- reminders: announcements ----------------------------------------------------------------


class Audience(StrEnum):
    """Who an announcement goes to."""

    ALL = "all"
    TRAINEES = "trainees"


@dataclass(frozen=True)
class AnnounceClass(Button, code="nc"):
    """The class the announcement being written goes to."""

    class_id: int


@dataclass(frozen=True)
class AnnounceAudience(Button, code="na"):
    """The audience of the announcement being written."""

    audience: Audience


@dataclass(frozen=True)
class AnnounceSend(Button, code="ns"):
    """Send the previewed announcement."""


@dataclass(frozen=True)
class AnnounceCancel(Button, code="nx"):
    """Drop the announcement being written."""


@dataclass(frozen=True)
class AnnounceReport(Button, code="nr"):
    """Who received an announcement so far."""

    announcement_id: int


# -- check-in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckIn(Button, code="ci"):
    """Check in to this session (the reminder's button, or the which-session question)."""

    session_id: int


@dataclass(frozen=True)
class CheckOut(Button, code="co"):
    """Check out of this session (the which-session question)."""

    session_id: int


@dataclass(frozen=True)
class CheckOutEarly(Button, code="ce"):
    """Confirmed: check out before the check-out window, leaving early."""

    session_id: int


@dataclass(frozen=True)
class CheckOutStay(Button, code="cx"):
    """Not now: keep the session, do not check out early (the early prompt's cancel)."""

    session_id: int


@dataclass(frozen=True)
class MeSessions(Button, code="ms"):
    """/me: one's sessions of a class with each one's status (a new message)."""

    class_id: int


@dataclass(frozen=True)
class MePage(Button, code="mp"):
    """Another page of the list of one's sessions (the message is edited in place)."""

    class_id: int
    page: int


@dataclass(frozen=True)
class CodeShow(Button, code="cs"):
    """/code with two sessions open: show this session's code (and QR code)."""

    session_id: int


@dataclass(frozen=True)
class RollRefresh(Button, code="rr"):
    """Show the roll of this session again, as it stands now."""

    session_id: int


@dataclass(frozen=True)
class RollMark(Button, code="rm"):
    """A class manager marks a trainee's status in a session by hand."""

    session_id: int
    person_id: int
    status: Status


@dataclass(frozen=True)
class RollShow(Button, code="rv"):
    """Switch the roll call to this session (another of the same day, or a past one)."""

    session_id: int


@dataclass(frozen=True)
class RollDays(Button, code="rd"):
    """The days of a class with sessions so far, to pick one for the roll call."""

    class_id: int


@dataclass(frozen=True)
class RollDay(Button, code="ry"):
    """The sessions of one local day (ISO date) of a class, to pick one for the roll call."""

    class_id: int
    day: str


@dataclass(frozen=True)
class RollEdit(Button, code="re"):
    """Correct someone's status in this session: the manager types who and why next."""

    session_id: int


# -- leave -----------------------------------------------------------------------------------


class LeaveStep(StrEnum):
    """A step button of the leave form."""

    DONE = "done"  # done picking sessions
    SKIP = "skip"  # no attachment
    SEND = "send"  # send the previewed request
    ABORT = "abort"  # drop the form


@dataclass(frozen=True)
class LeavePick(Button, code="lp"):
    """Toggle one session in the leave request being written."""

    session_id: int


@dataclass(frozen=True)
class LeaveDay(Button, code="ld"):
    """Toggle every offered session of a local day (ISO date)."""

    day: str


@dataclass(frozen=True)
class LeaveForm(Button, code="lf"):
    """A step of the leave form."""

    step: LeaveStep


@dataclass(frozen=True)
class LeaveKind(Button, code="lk"):
    """The type of the leave being written: the index of one of the class's leave_types."""

    index: int


@dataclass(frozen=True)
class LeaveApprove(Button, code="la"):
    """Approve a leave request at one level."""

    request_id: int
    level: int


@dataclass(frozen=True)
class LeaveReject(Button, code="lr"):
    """Reject a leave request at one level (the reason is asked next)."""

    request_id: int
    level: int


@dataclass(frozen=True)
class LeaveCancel(Button, code="lc"):
    """Cancel a pending request, or withdraw an approved one before it starts."""

    request_id: int


@dataclass(frozen=True)
class LeaveBack(Button, code="lb"):
    """Report back (销假) from this leave."""

    request_id: int


@dataclass(frozen=True)
class LimitDecide(Button, code="ll"):
    """Record the decision on a trainee over the leave limit."""

    class_id: int
    person_id: int
    decision: LimitDecision


# -- the at-risk view -----------------------------------------------------------------------


@dataclass(frozen=True)
class RiskShow(Button, code="rz"):
    """The at-risk list of a class (the button of the 80% warning)."""

    class_id: int


# -- corrections (补卡) ------------------------------------------------------------------------


class FixStepKind(StrEnum):
    """A step button of the correction request being written."""

    SKIP = "skip"  # no evidence attached
    SEND = "send"  # send the previewed request
    ABORT = "abort"  # drop the form


@dataclass(frozen=True)
class FixOpen(Button, code="fo"):
    """Start a correction request (the /me button; /fix does the same)."""


@dataclass(frozen=True)
class FixPick(Button, code="fp"):
    """The session a correction request is about."""

    session_id: int


@dataclass(frozen=True)
class FixStatus(Button, code="fu"):
    """The status a correction request asks for."""

    status: Status


@dataclass(frozen=True)
class FixStep(Button, code="fx"):
    """A step of the correction request being written."""

    step: FixStepKind


@dataclass(frozen=True)
class FixApprove(Button, code="fa"):
    """Approve a correction request (a class manager)."""

    correction_id: int


@dataclass(frozen=True)
class FixReject(Button, code="fr"):
    """Reject a correction request (the reason is asked next)."""

    correction_id: int


@dataclass(frozen=True)
class FixCancel(Button, code="fc"):
    """Cancel one's pending correction request."""

    correction_id: int


# -- ratings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateOpen(Button, code="ro"):
    """Open (or reopen) the rating form of a session."""

    session_id: int


@dataclass(frozen=True)
class RateScore(Button, code="rs"):
    """Give one question of the form a score of 1 to 5."""

    session_id: int
    question: int
    score: int


@dataclass(frozen=True)
class RateAsk(Button, code="ra"):
    """Change the answer to one question."""

    session_id: int
    question: int


@dataclass(frozen=True)
class RateComment(Button, code="rc"):
    """The next message is the comment."""

    session_id: int


@dataclass(frozen=True)
class RateSubmit(Button, code="rk"):
    """Submit the rating."""

    session_id: int


# -- records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportClass(Button, code="xc"):
    """/export with several classes: export this one."""

    class_id: int


@dataclass(frozen=True)
class AuditPage(Button, code="ap"):
    """/audit: this page (0 is the newest) of a class's log, of one person's entries or all
    (person_id 0)."""

    class_id: int
    person_id: int
    page: int


# -- graduation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradesPublish(Button, code="gp"):
    """Publish a class's results (``confirmed``: 1 even with scores missing)."""

    class_id: int
    confirmed: int


@dataclass(frozen=True)
class AppraiseCancel(Button, code="gx"):
    """Drop the appraisal being written."""


@dataclass(frozen=True)
class CertificateSend(Button, code="gc"):
    """/me: send me my certificate of this class again (or for the first time)."""

    class_id: int

"""The rules of rating a lecture: when it may be rated, and the form's state as it is filled.

Pure functions; storage/forms.py and storage/ratings.py keep the state, handlers/ratings/ shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from bot.rules.class_settings import ClassSettings

MAX_COMMENT: Final = 500
# The reminder goes this long before the window closes (at most half the window).
REMIND_BEFORE_CLOSE: Final = timedelta(hours=2)
# How long after the window a late start-up still sends the summary.
SUMMARY_USEFUL_FOR: Final = timedelta(days=7)


@dataclass(frozen=True)
class Window:
    """When a session may be rated: [opens, closes); the reminder goes at ``remind_at``."""

    opens: datetime
    remind_at: datetime
    closes: datetime


def window(ends_at: datetime, settings: ClassSettings) -> Window:
    """The rating window of a session ending at ``ends_at``."""
    length = timedelta(minutes=settings.rating_window_minutes)
    closes = ends_at + length
    return Window(ends_at, closes - min(REMIND_BEFORE_CLOSE, length / 2), closes)


class Refusal(StrEnum):
    """Why a rating is not accepted; each has a message in templates/*/ratings.html."""

    NOT_ATTENDED = "not_attended"
    NOT_ENDED = "not_ended"
    CLOSED = "closed"
    CANCELLED = "cancelled"


def refusal(
    *,
    attended: bool,
    cancelled: bool,
    window: Window,
    now: datetime,
    anonymised: bool = False,
) -> Refusal | None:
    """Why this person may not rate this session now, or None if they may.

    A session whose ratings were anonymised stays closed even if a changed setting
    reopens its window: without the person, the one-per-person rule could not hold.
    """
    if cancelled:
        return Refusal.CANCELLED
    if not attended:
        return Refusal.NOT_ATTENDED
    if now < window.opens:
        return Refusal.NOT_ENDED
    if now >= window.closes or anonymised:
        return Refusal.CLOSED
    return None


def closed(window: Window, now: datetime) -> bool:
    """Whether a session's rating is over: its figures may be shown from then on."""
    return now >= window.closes


@dataclass
class Form:
    """A rating being filled in: answers so far, the question shown, a comment awaited."""

    scores: dict[str, int] = field(default_factory=dict)
    comment: str | None = None
    asking: str | None = None  # the dimension whose buttons are shown; None: the overview
    awaiting_comment: bool = False
    message_id: int | None = None  # the one message the form lives in
    comment_update: int | None = None  # the update that brought the comment (redeliveries)

    def to_json(self) -> dict[str, Any]:
        """The state as stored in the forms table."""
        return {
            "scores": self.scores,
            "comment": self.comment,
            "asking": self.asking,
            "awaiting_comment": self.awaiting_comment,
            "message_id": self.message_id,
            "comment_update": self.comment_update,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Form:
        """Read a stored state."""
        return cls(
            scores={str(k): int(v) for k, v in dict(data.get("scores") or {}).items()},
            comment=data.get("comment"),
            asking=data.get("asking"),
            awaiting_comment=bool(data.get("awaiting_comment")),
            message_id=data.get("message_id"),
            comment_update=data.get("comment_update"),
        )


def start(dimensions: tuple[str, ...], previous: tuple[dict[str, int], str | None] | None) -> Form:
    """A fresh form, prefilled with the person's earlier rating if they change it."""
    if previous is None:
        return Form(asking=dimensions[0])
    scores, comment = previous
    return Form(scores={d: scores[d] for d in dimensions if d in scores}, comment=comment)


def answer(form: Form, dimensions: tuple[str, ...], dimension: str, score: int) -> Form:
    """Record one answer and move to the next unanswered question (or the overview)."""
    if dimension not in dimensions or score not in range(1, 6):
        raise ValueError("no such question or score")
    scores = {**form.scores, dimension: score}
    following = [d for d in dimensions if d not in scores]
    asking = following[0] if following else None
    return Form(scores, form.comment, asking, False, form.message_id, form.comment_update)


def complete(form: Form, dimensions: tuple[str, ...]) -> bool:
    """Whether every question is answered (the form may be submitted)."""
    return all(d in form.scores for d in dimensions)


def comment_problem(text: str) -> str | None:
    """Why a comment is refused ('too_long', 'empty'), or None."""
    if not text.strip():
        return "empty"
    if len(text.strip()) > MAX_COMMENT:
        return "too_long"
    return None

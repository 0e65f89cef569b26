"""The rotating check-in code: six digits from a session's secret and the minute.

``code_at(secret, moment)`` is HMAC-SHA256 of the minute number under the session's secret,
truncated the way TOTP does (RFC 4226 dynamic truncation) to six digits. Nothing is stored,
and without the secret the next code cannot be guessed. ``verify`` accepts the code of the
current minute and, as a grace for someone typing across the minute's turn, the previous one.

The QR code beside the digits (扫码签到) is a ``t.me/<bot>?start=<payload>`` link whose payload
names the session and holds the code: ``ci_<session id>_<code>``. Telegram sends it as
``/start <payload>``. An invite code (storage/people.py) is ten letters and digits and never
holds ``_``, so the two cannot be taken for each other. The code in a link is checked like a
typed one, so the link is worthless once the code's grace has passed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import datetime
from typing import Final

DIGITS: Final = 6
# Typed text with this many digits (and nothing else but spaces) reads as an attempt at a code.
ATTEMPT_DIGITS: Final = range(4, 9)
# Longer texts are something else, whatever they contain.
ATTEMPT_MAX_CHARS: Final = 24
STEP_SECONDS: Final = 60
GRACE_STEPS: Final = 1  # the previous minute's code is still accepted
# Wrong codes for one session after which the trainee's check-in there is locked.
MAX_FAILURES: Final = 5
LINK_PREFIX: Final = "ci_"
_LINK: Final = re.compile(rf"{LINK_PREFIX}([0-9]{{1,18}})_([0-9]{{{DIGITS}}})")


def minute_of(moment: datetime) -> int:
    """The minute number of an aware moment (minutes since the Unix epoch)."""
    return int(moment.timestamp()) // STEP_SECONDS


def code_for_minute(secret: str, minute: int) -> str:
    """The code of one minute."""
    digest = hmac.new(secret.encode(), str(minute).encode(), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def code_at(secret: str, moment: datetime) -> str:
    """The code shown at ``moment``."""
    return code_for_minute(secret, minute_of(moment))


def _compact(text: str) -> str:
    """The text with full-width characters folded (NFKC) and every space removed."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def normalise(text: str) -> str | None:
    """The digits a person typed (full-width digits and spaces allowed); None if malformed."""
    compact = _compact(text)
    if len(compact) != DIGITS or not compact.isascii() or not compact.isdigit():
        return None
    return compact


def looks_like_code(text: str) -> bool:
    """Whether a short text reads as an attempt at a code: 4 to 8 digits, spaces allowed.

    Full-width digits count (NFKC folds them); digits of other scripts count as digits too,
    so "a code has 6 digits" answers them rather than the generic fallback.
    """
    if len(text) > ATTEMPT_MAX_CHARS:
        return False
    compact = _compact(text)
    return len(compact) in ATTEMPT_DIGITS and compact.isdigit()


def verify(secret: str, typed: str, now: datetime) -> bool:
    """Whether a typed code is this minute's or the previous minute's."""
    code = normalise(typed)
    if code is None:
        return False
    minute = minute_of(now)
    return any(
        hmac.compare_digest(code, code_for_minute(secret, minute - back))
        for back in range(GRACE_STEPS + 1)
    )


def link_payload(session_id: int, code: str) -> str:
    """The /start payload of the QR code's deep link: the session and its code."""
    return f"{LINK_PREFIX}{session_id}_{code}"


def parse_link_payload(payload: str) -> tuple[int, str] | None:
    """(session id, code) of a scanned link's payload; None if it is not one of ours."""
    match = _LINK.fullmatch(payload)
    return None if match is None else (int(match[1]), match[2])


def deep_link(bot_username: str, payload: str) -> str:
    """The t.me link Telegram opens the bot with, sending /start <payload>."""
    return f"https://t.me/{bot_username}?start={payload}"

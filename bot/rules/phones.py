"""Phone numbers as people type them, paste them or share them as a Telegram contact.

One normal form lets a roster row and a shared contact meet: a mainland Chinese mobile is
its 11 digits (``13800138000``), any other country's number ``+<country code><number>``.

Only numbers a Telegram account can have are accepted. A Telegram account is registered on
a mobile number, so a Chinese landline (``010-88888888``, ``+86 10 8888 8888``) or a mobile
with a digit missing can never be bound: refusing it at import points at the typo while it
is still cheap to fix, instead of leaving a roster row that matches no one.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# What people put between digits: spaces (also non-breaking), dashes, dots, parentheses.
_SEPARATORS: Final = re.compile(r"[\s\-.()]+")
# A mainland mobile: 1, then 3-9, then nine digits.
_MOBILE: Final = re.compile(r"1[3-9]\d{9}")
_CHINA: Final = "86"
# Another country's number: its code and the subscriber number, at least 8 digits and at
# most the 15 that E.164 allows.
_MIN_FOREIGN_DIGITS: Final = 8
_MAX_DIGITS: Final = 15


def normalize_phone(raw: str, *, international: bool = False) -> str | None:
    """Return the normal form of a phone number, or None if it is not a mobile number.

    With ``international=True`` digits without a prefix already start with a country code,
    as in a Telegram contact (``447911123456``); otherwise they are a number dialled in
    China (``13800138000``).
    """
    # NFKC turns full-width digits and punctuation (typed with a Chinese IME) into ASCII.
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if text.startswith("+"):
        text, prefixed = text[1:], True
    elif text.startswith("00"):
        # 00 is how a call abroad is dialled from China: 0086..., 0044...
        text, prefixed = text[2:], True
    else:
        prefixed = False
    if not text.isascii() or not text.isdigit():
        return None
    if not prefixed and _MOBILE.fullmatch(text):
        # Checked first even for contacts: a Chinese mobile is the number this bot expects.
        # After a + or 00 the digits start with a country code: +1 415... is American.
        return text
    if text.startswith(_CHINA):
        # +86 138..., or 86138... with the plus left off (as Telegram sends contacts).
        national = text[len(_CHINA) :]
        return national if _MOBILE.fullmatch(national) else None
    if not (prefixed or international):
        return None  # dialled in China but not a mobile: a landline or a typo
    if not _MIN_FOREIGN_DIGITS <= len(text) <= _MAX_DIGITS or text.startswith("0"):
        return None
    return "+" + text

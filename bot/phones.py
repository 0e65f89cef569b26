"""Phone numbers as people type them, paste them or share them as a Telegram contact.

One normal form lets a roster row and a shared contact meet: a Chinese number is written
the way it is dialled inside China (a mobile as its 11 digits, a landline with its leading
0), any other number as ``+<country code><number>``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# What people put between digits: spaces (also non-breaking), dashes, dots, parentheses.
_SEPARATORS: Final = re.compile(r"[\s\-.()]+")
# A mainland mobile: 1, then 3-9, then nine digits.
_MOBILE: Final = re.compile(r"1[3-9]\d{9}")
_MIN_DIGITS: Final = 5
_MAX_DIGITS: Final = 15  # the E.164 maximum


def normalize_phone(raw: str, *, international: bool = False) -> str | None:
    """Return the normal form of a phone number, or None if it is not one.

    With ``international=True`` digits without a prefix already start with a country code,
    as in a Telegram contact (``447911123456``); otherwise they are a number dialled in
    China (``13800138000``, ``010-88888888``).
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
    if not _MIN_DIGITS <= len(text) <= _MAX_DIGITS:
        return None
    if _MOBILE.fullmatch(text):
        # Checked first even for contacts: a Chinese mobile is the number this bot expects.
        return text
    if text.startswith("86") and _MOBILE.fullmatch(text[2:]):
        return text[2:]
    if prefixed or international:
        if text.startswith("86"):
            # +86 10 8888 8888 is dialled 010 8888 8888 inside China.
            national = "0" + text[2:]
            return national if len(national) >= _MIN_DIGITS else None
        return "+" + text
    return text

"""Which language a person reads: the two locales and how one is chosen (pure)."""

from __future__ import annotations

from typing import Final, Literal

Locale = Literal["zh", "en"]
LOCALES: Final[tuple[Locale, ...]] = ("zh", "en")
DEFAULT_LOCALE: Final[Locale] = "zh"


def parse_locale(value: str | None) -> Locale | None:
    """Map a configured locale ('zh', 'en', any case) to a Locale, or None if unknown."""
    if value is None:
        return None
    value = value.strip().lower()
    return value if value in LOCALES else None  # type: ignore[return-value]


def locale_from_telegram(language_code: str | None, fallback: Locale) -> Locale:
    """Choose a person's locale from Telegram's language_code: zh* is Chinese, else English.

    With no language_code at all (Telegram omits it for some clients) the class's own
    locale applies.
    """
    if not language_code:
        return fallback
    return "zh" if language_code.lower().startswith("zh") else "en"


def recipient_locale(
    person_locale: str | None, class_locale: str | None, fallback: Locale
) -> Locale:
    """The language to write to someone in on the bot's own initiative: their own, else
    their class's, else the bot's."""
    return parse_locale(person_locale) or parse_locale(class_locale) or fallback

"""A class as leave needs it: its row, parsed settings and zone."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.rules import class_settings
from bot.rules.class_settings import ClassSettings
from bot.rules.locales import Locale, recipient_locale
from storage import classes
from storage.classes import ClassRow
from storage.db import Queryable
from storage.people import Recipient


@dataclass(frozen=True)
class ClassInfo:
    """A class with its parsed settings and zone."""

    row: ClassRow
    settings: ClassSettings

    @property
    def zone(self) -> ZoneInfo:
        """The class's time zone."""
        return ZoneInfo(self.row.timezone)

    def locale_of(self, who: Recipient | None, fallback: Locale) -> Locale:
        """The language to write to someone of this class in: theirs, else the class's."""
        return recipient_locale(who.locale if who else None, self.settings.locale, fallback)


async def class_info(db: Queryable, class_id: int) -> ClassInfo | None:
    """A class by id, with settings."""
    row = await classes.by_id(db, class_id)
    return None if row is None else ClassInfo(row, class_settings.from_json(row.settings))

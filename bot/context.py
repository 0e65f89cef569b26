"""The typed context every handler gets: shared services and who is speaking."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram.ext import CallbackContext, ExtBot

from bot import permissions
from bot.clock import Clock
from bot.config import Config
from bot.jobs import ImportWatcher, Planner
from bot.outbox import Outbox
from bot.permissions import Capability
from bot.rules.locales import Locale
from bot.rules.roles import Role
from bot.scheduler import Scheduler
from bot.texts import Texts
from storage.classes import Membership
from storage.db import Database
from storage.forms import FormKind
from storage.people import Person


class BotData:
    """Services shared by all handlers; PTB creates it empty, build_application fills it."""

    db: Database
    texts: Texts
    clock: Clock
    config: Config
    outbox: Outbox
    planners: tuple[Planner, ...]  # every feature's timed work, see bot/jobs.py
    scheduler: Scheduler  # puts the planners' jobs in the JobQueue, see bot/scheduler.py
    import_watchers: tuple[ImportWatcher, ...]  # told of imports another process made
    # What each feature's open forms take: handlers/inputs.py, in registration order.
    inputs: list[tuple[FormKind, Callable[..., Awaitable[bool]]]]


@dataclass(frozen=True)
class Viewer:
    """The person behind an update, as the database knows them at this moment."""

    user_id: int
    person: Person | None
    memberships: tuple[Membership, ...]
    locale: Locale

    @property
    def roles(self) -> frozenset[Role]:
        """Every role held, in any active class."""
        return frozenset(Role(r) for m in self.memberships for r in m.roles)

    @property
    def actor(self) -> str:
        """Who did it, as the audit log names a person acting in chat."""
        return f"telegram:{self.user_id}"

    def may(self, *capabilities: Capability) -> bool:
        """Whether any of the person's roles, in any class, gives any of these."""
        return permissions.may(self.roles, *capabilities)

    def classes_where(self, *capabilities: Capability) -> list[Membership]:
        """The classes where the person has any of these capabilities, in order."""
        return [m for m in self.memberships if permissions.may(m.roles, *capabilities)]


class Context(CallbackContext[ExtBot[None], dict, dict, BotData]):
    """CallbackContext with typed bot_data and the Viewer set by the identity guard."""

    viewer: Viewer | None = None

    @property
    def db(self) -> Database:
        """The database."""
        return self.bot_data.db

    @property
    def texts(self) -> Texts:
        """The templates."""
        return self.bot_data.texts

    @property
    def locale(self) -> Locale:
        """The language to answer in."""
        return self.viewer.locale if self.viewer else self.bot_data.config.locale

    def t(self, name: str, /, **values: object) -> str:
        """Render a message in the viewer's language."""
        return self.bot_data.texts.render(self.locale, name, **values)

    def label(self, name: str, /, **values: object) -> str:
        """Render a button label in the viewer's language."""
        return self.bot_data.texts.plain(self.locale, name, **values)

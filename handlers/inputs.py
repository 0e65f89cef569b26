"""The one input step: free text, photos and documents while a form waits for them.

It runs for every such message after the identity guard and before every feature: it reads
the speaker's open forms once (storage/forms.py) and offers the message to the feature
whose form may want it, in the order the features registered their kinds (``accept``). The
first that takes it ends the update there; if none does, the update goes on to the features
(a check-in code, the fallback's answer). A form lives in the database, so a restart
half-way through a form loses nothing: the next message finds it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, MessageHandler, filters

from bot.context import Context
from handlers.common import PRIVATE
from storage import forms
from storage.forms import Form, FormKind

# Takes the message (True) or leaves it to the next (False); gets the person's forms of its kind.
Input = Callable[[Update, Context, list[Form]], Awaitable[bool]]

_MESSAGES = PRIVATE & ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL)


# Forms that wait for typed text. A person may have two open (a leave card's Reject pressed
# after ✏️ on a roll call, say); a feature that asks ``superseded`` lets the newest take it.
WAITING_FOR_TEXT = frozenset(
    {
        FormKind.LEAVE,
        FormKind.LEAVE_REJECT,
        FormKind.LEAVE_LIMIT,
        FormKind.ROLL_MARK,
        FormKind.CORRECTION,
        FormKind.CORRECTION_REJECT,
        FormKind.ANNOUNCE,
        FormKind.APPRAISAL,
    }
)


async def superseded(context: Context, form: Form) -> bool:
    """Whether the form's person opened another form waiting for typed text since this one."""
    return any(
        other.kind in WAITING_FOR_TEXT
        and other.kind is not form.kind
        and other.updated_at > form.updated_at
        for other in await forms.of_person(context.db, form.person_id)
    )


def accept(app: Application, kind: FormKind, handler: Input) -> None:
    """Offer messages to ``handler`` while the speaker has a form of this kind open."""
    app.bot_data.inputs.append((kind, handler))


async def route(update: Update, context: Context) -> None:
    """Hand the message to the first feature whose open form takes it."""
    viewer = context.viewer
    if viewer is None or viewer.person is None:
        return
    open_forms = await forms.of_person(context.db, viewer.person.id)
    if not open_forms:
        return
    for kind, handler in context.bot_data.inputs:
        mine = [form for form in open_forms if form.kind is kind]
        if mine and await handler(update, context, mine):
            raise ApplicationHandlerStop


def register(app: Application, *, group: int) -> None:
    """Add the input step in its group (after identity, before the features)."""
    app.bot_data.inputs = []
    app.add_handler(MessageHandler(_MESSAGES, route), group=group)

"""/grades: each class's final assessment for its class managers and admins, with the
button that publishes it (class managers)."""

from __future__ import annotations

from telegram import Update

from bot import permissions
from bot.context import Context
from bot.graduation import class_grades
from bot.permissions import Capability
from handlers.common import reply_pages, viewer_of
from handlers.grades.views import class_view, publish_keyboard


async def grades_command(update: Update, context: Context) -> None:
    """The final assessment of every class where the viewer may see it."""
    message = update.effective_message
    now = context.bot_data.clock.now()
    for membership in viewer_of(context).classes_where(Capability.SEE_GRADES):
        found = await class_grades(
            context.db, membership.klass.id, now, secret=context.bot_data.config.cert_secret
        )
        assert found is not None
        if not found.components:
            await message.reply_text(context.t("grades.no_scheme", class_name=found.row.name))
            continue
        may_publish = permissions.may(membership.roles, Capability.GRADE)
        await reply_pages(
            message,
            context.t("grades.view", c=class_view(found)),
            reply_markup=publish_keyboard(context, found) if may_publish else None,
        )

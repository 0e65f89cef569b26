"""/leave NAME: a class manager records leave for a trainee who asked by phone (代请假).

The manager names the trainee (full name, or at least the last four digits of the phone
number); the same form as a trainee's own then opens for them (handlers/leave/ask.py), with
the trainee's sessions on offer, after-the-fact ones included, and the recording is its
approval (handlers/leave/recorded.py).
"""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.permissions import Capability, roles_for
from bot.rules.names import named
from handlers.common import viewer_of
from handlers.leave import ask
from storage import classes

_TRAINEES = roles_for(Capability.ASK_LEAVE)


async def leave_command(update: Update, context: Context) -> None:
    """/leave: one's own request; /leave NAME (class managers): a trainee's."""
    viewer = viewer_of(context)
    if not context.args or not viewer.may(Capability.RECORD_LEAVE):
        await ask.start(update, context)
        return
    message = update.effective_message
    text = " ".join(context.args)
    found = []
    for membership in viewer.classes_where(Capability.RECORD_LEAVE):
        for member in await classes.members(context.db, membership.klass.id, _TRAINEES):
            if named(member.name, member.phone, text) is not None:
                found.append((membership.klass.id, member))
    if not found:
        await message.reply_text(context.t("leave.behalf_no_such_person", who=text))
        return
    if len(found) > 1:
        await message.reply_text(context.t("leave.behalf_ambiguous", who=text))
        return
    class_id, member = found[0]
    if member.person_id == viewer.person.id:
        await message.reply_text(context.t("leave.behalf_own"))
        return
    info, offered = await ask.offer(context, class_id, member.person_id)
    if info is None or not offered:
        await message.reply_text(context.t("leave.behalf_no_sessions", name=member.name))
        return
    await ask.begin(update, context, info, offered, member)

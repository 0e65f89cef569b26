"""Publishing a class's results: the button of /grades, and its confirmation when scores
are missing. Each trainee is told through the outbox, once per result they get."""

from __future__ import annotations

from telegram import Update

from bot.buttons import GradesPublish, one_button
from bot.context import Context
from handlers.common import StalePress, answer, viewer_of
from handlers.grades import publication
from handlers.grades.flows import Outcome

# The trainees a refusal names one by one; the rest are counted.
SHOWN_MISSING = 20


async def pressed_publish(update: Update, context: Context, button: GradesPublish) -> None:
    """Publish (or publish the corrections), or say why not."""
    query = update.callback_query
    viewer = viewer_of(context)
    if button.confirmed not in (0, 1):
        raise StalePress
    result = await publication.run_publish(
        context.bot_data,
        update_id=update.update_id,
        actor=viewer.actor,
        by=viewer.person.id,
        class_id=button.class_id,
        confirmed=bool(button.confirmed),
        now=context.bot_data.clock.now(),
    )
    if result.outcome is Outcome.STALE or result.found is None:
        raise StalePress
    await answer(query)
    name = result.found.row.name
    reply = query.message.reply_text
    if result.outcome is Outcome.MISSING:
        names = [{"name": o.name, "components": list(o.missing)} for o in result.missing]
        await reply(
            context.t(
                "grades.missing_confirm",
                class_name=name,
                names=names[:SHOWN_MISSING],
                more=max(0, len(names) - SHOWN_MISSING),
            ),
            reply_markup=one_button(
                context.label("grades.publish_anyway"), GradesPublish(button.class_id, 1)
            ),
        )
    elif result.outcome is Outcome.DONE:
        await reply(
            context.t(
                "grades.published",
                class_name=name,
                revision=result.revision,
                told=result.told,
                unbound=result.unbound,
                certificates=result.certificates,
                revoked=result.revoked,
            )
        )
    elif result.outcome is Outcome.NUMBER_TAKEN:
        await reply(context.t("grades.number_taken", number=result.number))
    elif result.outcome is Outcome.DUPLICATE:
        await reply(context.t("grades.duplicate"))
    else:
        await reply(context.t(f"grades.{result.outcome.value}", class_name=name))

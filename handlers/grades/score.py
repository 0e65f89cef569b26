"""/score NAME COMPONENT SCORE REASON: a class manager enters one trainee's score in chat
(a resit, a late paper), audited with the reason."""

from __future__ import annotations

from telegram import Update

from bot.context import Context, Viewer
from bot.permissions import Capability
from bot.rules import grades as rules
from handlers.common import viewer_of
from handlers.grades import flows
from handlers.grades.flows import Outcome
from handlers.grades.views import trainees_named
from storage import grades

MAX_REASON_CHARS = 200


def typed_after_command(update: Update) -> str:
    """What follows the command in the message (spaces in names kept)."""
    return (update.effective_message.text or "").partition(" ")[2].strip()


async def _typed_components(context: Context, class_ids: list[int]) -> list[str]:
    found: list[str] = []
    for class_id in class_ids:
        for name, _ in await grades.scheme(context.db, class_id):
            if not rules.is_attendance(name) and name not in found:
                found.append(name)
    return found


async def score_command(update: Update, context: Context) -> None:
    """Parse who, which component, the score and why; enter it; say what changed."""
    message = update.effective_message
    viewer = viewer_of(context)
    text = typed_after_command(update)
    if not text:
        classes = [m.klass.id for m in viewer.classes_where(Capability.GRADE)]
        components = await _typed_components(context, classes)
        await message.reply_text(context.t("grades.score_usage", components=components))
        return
    matches = await trainees_named(context, viewer, text)
    if not matches:
        await message.reply_text(context.t("grades.score_who", text=text.split()[0]))
        return
    if len(matches) > 1:
        names = [m.name for m in matches]
        await message.reply_text(context.t("grades.score_ambiguous", names=names))
        return
    who = matches[0]
    scheme = await grades.scheme(context.db, who.class_id)
    typed = [name for name, _ in scheme if not rules.is_attendance(name)]
    parts = who.rest.split(maxsplit=2)
    if not scheme:
        await message.reply_text(
            context.t("grades.no_scheme", class_name=_class_name(viewer, who.class_id))
        )
        return
    if len(parts) < 2:
        await message.reply_text(context.t("grades.score_usage", components=typed))
        return
    component = next((n for n, _ in scheme if rules.fold(n) == rules.fold(parts[0])), None)
    if component is None or rules.is_attendance(component):
        if component is not None or rules.is_attendance(parts[0]):
            await message.reply_text(context.t("grades.score_computed", name=component or parts[0]))
        else:
            await message.reply_text(
                context.t("grades.score_component", text=parts[0], components=typed)
            )
        return
    score = rules.parse_score(parts[1])
    if score is None:
        await message.reply_text(context.t("grades.score_bad", value=parts[1]))
        return
    reason = parts[2].strip() if len(parts) == 3 else ""
    if not reason or len(reason) > MAX_REASON_CHARS:
        await message.reply_text(context.t("grades.score_reason", max=MAX_REASON_CHARS))
        return
    result = await context.db.write(
        lambda tx: flows.enter_score(
            tx,
            update_id=update.update_id,
            actor=viewer.actor,
            by=viewer.person.id,
            class_id=who.class_id,
            person_id=who.person_id,
            component=component,
            score=score,
            reason=reason,
            now=context.bot_data.clock.now(),
        )
    )
    shown = rules.show(score)
    before = None if result.before is None else rules.show(result.before)
    if result.outcome is Outcome.DONE:
        reply = context.t(
            "grades.score_saved", name=who.name, component=component, before=before, after=shown
        )
    elif result.outcome is Outcome.SAME:
        reply = context.t("grades.score_same", name=who.name, component=component, after=shown)
    elif result.outcome is Outcome.DUPLICATE:
        reply = context.t("grades.duplicate")
    else:
        reply = context.t("grades.score_stale")
    await message.reply_text(reply)


def _class_name(viewer: Viewer, class_id: int) -> str:
    return next(m.klass.name for m in viewer.memberships if m.klass.id == class_id)

"""Certificates: numbered, with a verification code over what they say; /verify answers
anyone, and a forged, altered or unknown certificate gets a plain "not found"."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot import cli_grades, cli_tasks, docx
from bot.buttons import CertificateSend
from bot.cli import build_parser
from bot.config import Config, Secret
from bot.graduation.certificates import (
    CertificateContent,
    certificate_document,
    code_matches,
    number_of,
    verification_code,
)
from bot.importer.model import ClassPlan
from bot.rules.class_settings import ClassSettings
from bot.texts import Texts
from storage import leave
from storage.db import Database
from storage.imports import apply_plan
from tests.grades.support import CHEN, LI, LIU, WANG, ZHANG, attend_all, cast, class_id, pid
from tests.harness import BotHarness, bind, set_settings
from tests.leave.helpers import alert

CONTENT = CertificateContent(
    number="XQDX-2026-CJ07-001",
    name="王芳",
    unit="市财政局",
    class_name="2026年秋季处级干部进修班",
    start_date="2026-12-07",
    end_date="2026-12-11",
    hours="29.5",
    school="西青区委党校",
    issued="2026-12-12",
)
SECRET = "a-test-secret-of-enough-length"


def test_a_certificate_holds_its_number_and_verification_code() -> None:
    code = verification_code(SECRET, CONTENT.canonical())
    assert len(code) == 10 and not set(code) & set("01IO")
    data = certificate_document(Texts(), "zh", CONTENT, code)
    text = docx.text_of(data)
    assert "结业证书" in text
    assert (
        "王芳 同志（市财政局）于 2026年12月7日至 2026年12月11日参加2026年秋季处级干部进修班，"
        "完成全部学习任务（共 29.5 学时），经考核合格，准予结业。"
    ) in text
    assert "证书编号：XQDX-2026-CJ07-001" in text
    assert f"验证码：{code[:5]}-{code[5:]}" in text
    assert f"/verify XQDX-2026-CJ07-001 {code[:5]}-{code[5:]}" in text
    assert "西青区委党校" in text and "2026年12月12日" in text
    assert SECRET not in text
    english = docx.text_of(certificate_document(Texts(), "en", CONTENT, code))
    assert "Certificate of Completion" in english and "29.5 class hours" in english


def test_the_code_covers_every_word_of_the_certificate() -> None:
    code = verification_code(SECRET, CONTENT.canonical())
    assert code_matches(SECRET, CONTENT.canonical(), code.lower()[:5] + " " + code[5:])
    for field, value in (("name", "王芳芳"), ("hours", "39.5"), ("number", "XQDX-2026-CJ07-002")):
        altered = CertificateContent(**{**json.loads(CONTENT.canonical()), field: value})
        assert not code_matches(SECRET, altered.canonical(), code)
    assert not code_matches("another-secret-of-enough-length", CONTENT.canonical(), code)


def test_numbers_come_from_the_class_sheet() -> None:
    from datetime import date

    plain = ClassSettings()
    assert number_of(plain, 7, date(2026, 12, 11), 1) == "2026-07-001"
    named = ClassSettings(certificate_prefix="XQDX", certificate_year=2027, class_code="CJ07")
    assert number_of(named, 7, date(2026, 12, 11), 12) == "XQDX-2027-CJ07-012"


async def _published(bot: BotHarness, db: Database) -> tuple[str, str]:
    """Publish the example class (its numbers set in the class sheet); 王芳's number and code."""
    await set_settings(db, certificate_prefix="XQDX", class_code="CJ07", school_name="西青区委党校")
    people = await cast(bot)
    await attend_all(db, ZHANG, WANG, LI, LIU, CHEN)
    [shown] = await people.manager.says("/grades")
    [asked] = await people.manager.presses_button(shown, "📣 发布2026年秋季处级干部进修班的成绩")
    await people.manager.presses_button(asked, "仍然发布（缺的成绩按 0 分计）")
    await bot.deliver_outbox()
    row = await db.fetchone(
        "SELECT number, content FROM certificates WHERE person_id = ?", (await pid(db, WANG),)
    )
    told = next(m for m in people.wang.chat() if "验证码" in (m.text or "")).text
    code = told.split("验证码 ")[1][:11]
    return row[0], code


async def test_verify_a_genuine_an_altered_and_an_unknown_certificate(
    bot: BotHarness, db: Database
) -> None:
    number, code = await _published(bot, db)
    assert number == "XQDX-2026-CJ07-002"  # roster order: 张伟 001, 王芳 002
    stranger = bot.person(language_code="zh-hans")  # not bound to anyone: may still check
    [genuine] = await stranger.says(f"/verify {number} {code}")
    assert genuine.text.splitlines() == [
        "✅ 证书有效：编号 XQDX-2026-CJ07-002",
        "颁发给：王芳（市财政局）",
        "培训班：2026年秋季处级干部进修班，2026年12月7日至 2026年12月11日，共 29.5 学时",
        "颁发单位：西青区委党校，颁发日期：2026年12月12日",
        "请核对证书上的内容与此一致。",
    ]
    [typed] = await stranger.says(f"/verify {number.lower()} {code.replace('-', '').lower()}")
    assert typed.text == genuine.text  # any case, with or without the dash
    not_found = "未找到该证书。"
    other = number[:-1] + "5"  # an altered number: another certificate's, or none
    for forged in (f"/verify {other} {code}", f"/verify {number} ABCDE-FGHJK", "/verify X-1 Y"):
        [answer] = await stranger.says(forged)
        assert answer.text == not_found
    # A certificate whose stored content is changed behind the bot's back (its hours,
    # say) no longer verifies: the code is computed again from what is stored.
    await db.write(
        lambda tx: tx.execute(
            "UPDATE certificates SET content = replace(content, '\"29.5\"', '\"39.5\"')"
            " WHERE number = ?",
            (number,),
        )
    )
    [altered] = await stranger.says(f"/verify {number} {code}")
    assert altered.text == not_found
    [usage] = await stranger.says("/verify")
    assert usage.text.startswith("查验结业证书：/verify 证书编号 验证码")


async def test_codes_stay_the_same_across_a_restart_and_the_secret_is_never_shown(
    bot: BotHarness, db: Database, config: Config, tmp_path: Path
) -> None:
    number, code = await _published(bot, db)
    secret = await db.fetchone("SELECT value FROM app_secrets")
    await bot.restart()
    stranger = bot.person(language_code="en")
    [after] = await stranger.says(f"/verify {number} {code}")
    assert after.text.startswith("✅ Valid certificate: number XQDX-2026-CJ07-002")
    rows = await db.fetchall("SELECT payload FROM outbox_payloads")
    assert all(secret[0] not in row[0] for row in rows)
    assert all(secret[0] not in (m.text or "") for m in stranger.chat())
    # A configured secret is used instead (and would change every code: set it first).
    await bot.restart(Config(**{**config.__dict__, "cert_secret": Secret(SECRET * 2)}))
    [changed] = await stranger.says(f"/verify {number} {code}")
    assert changed.text == "No such certificate was found."


async def test_the_command_line_writes_every_certificate_issued(
    bot: BotHarness,
    db: Database,
    config: Config,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    number, code = await _published(bot, db)
    out = tmp_path / "certs"
    args = build_parser().parse_args(["certificates", "--out", str(out)])
    assert await cli_tasks.dispatch(args, config) == 0
    assert "已写出 5 张结业证书到" in capsys.readouterr().out
    files = sorted(p.name for p in (out / "2026年秋季处级干部进修班").iterdir())
    assert files[1] == f"{number}-王芳.docx"
    text = docx.text_of((out / "2026年秋季处级干部进修班" / files[1]).read_bytes())
    assert f"验证码：{code}" in text
    assert await cli_grades.write_certificates(config, out, "没有这个班") == 1


async def test_a_reissue_keeps_the_number_and_a_revocation_is_shown(
    bot: BotHarness, db: Database
) -> None:
    number, code = await _published(bot, db)
    manager = await bind(bot, "13800138002")  # 陈志远, the other class manager
    # The roster corrects 王芳's unit: her certificate is re-issued under its number.
    await db.write(
        lambda tx: tx.execute("UPDATE people SET unit = '市财政局预算处' WHERE phone = ?", (WANG,))
    )
    [view] = await manager.says("/grades")
    [asked] = await manager.presses_button(view, "📣 发布2026年秋季处级干部进修班的更正")
    [done] = await manager.presses_button(asked, "仍然发布（缺的成绩按 0 分计）")
    assert "证书新发或重新颁发 1 张" in done.text
    await bot.deliver_outbox()
    row = await db.fetchone("SELECT number, revision FROM certificates WHERE number = ?", (number,))
    assert tuple(row) == (number, 2)
    [entry] = await db.fetchall(
        "SELECT details FROM audit_log WHERE action = 'certificate.reissue'"
    )
    assert json.loads(entry[0])["changed"] == {"unit": ["市财政局", "市财政局预算处"]}
    stranger = bot.person(language_code="zh-hans")
    [old] = await stranger.says(f"/verify {number} {code}")
    assert old.text == "未找到该证书。"  # the old paper's unit is no longer what was issued
    wang = next(
        m for m in reversed(bot.telegram.chat(await _user(db, WANG))) if m.kind == "document"
    )
    assert "市财政局预算处" in docx.text_of(
        bot.telegram.file(wang.raw["document"]["file_id"]).content
    )
    new_code = wang.text.split("验证码 ")[1][:11]
    [new] = await stranger.says(f"/verify {number} {new_code}")
    assert "颁发给：王芳（市财政局预算处）" in new.text
    # Then she is dismissed: the certificate is revoked, and /verify says so.
    klass, wang_id = await class_id(db), await pid(db, WANG)

    async def dismiss(tx):  # type: ignore[no-untyped-def]
        await leave.record_limit_decision(
            tx,
            class_id=klass,
            person_id=wang_id,
            decision="dismissed",
            reason=None,
            decided_by=await pid(db, "13800138001"),
            now=bot.app.bot_data.clock.now(),
        )

    await db.write(dismiss)
    [view] = await manager.says("/grades")
    [asked] = await manager.presses_button(view, "📣 发布2026年秋季处级干部进修班的更正")
    [done] = await manager.presses_button(asked, "仍然发布（缺的成绩按 0 分计）")
    assert "撤销 1 张" in done.text
    [revoked] = await stranger.says(f"/verify {number} {new_code}")
    assert revoked.text == (f"证书 {number} 曾颁发给 王芳，已于 2026年12月12日撤销，现已无效。")


async def _user(db: Database, phone: str) -> int:
    row = await db.fetchone("SELECT telegram_user_id FROM people WHERE phone = ?", (phone,))
    return int(row[0])


async def test_a_number_another_class_holds_refuses_the_whole_publication(
    bot: BotHarness, db: Database, example_plan: ClassPlan
) -> None:
    await _published(bot, db)
    other = replace(example_plan, name="2026年冬季科级干部培训班")
    await apply_plan(db, other, bot.app.bot_data.clock.now())
    await attend_all(db, ZHANG, WANG, LI, LIU, CHEN)  # the second class's sessions too
    await set_settings(db, certificate_prefix="XQDX", class_code="CJ07")  # both classes alike
    manager = await bind(bot, "13800138002")
    views = await manager.says("/grades")
    [view] = [v for v in views if v.text.startswith("2026年冬季科级干部培训班")]
    [asked] = await manager.presses_button(view, "📣 发布2026年冬季科级干部培训班的成绩")
    [refused] = await manager.presses_button(asked, "仍然发布（缺的成绩按 0 分计）")
    assert refused.text.startswith("证书编号 XQDX-2026-CJ07-001 已被其他班次使用，未发布。")
    rows = await db.fetchall(
        "SELECT count(*) FROM grade_publications UNION ALL SELECT count(*) FROM certificates"
    )
    assert [r[0] for r in rows] == [1, 5]  # nothing of the second publication was kept


async def test_a_graduate_bound_after_publication_gets_the_certificate_from_me(
    bot: BotHarness, db: Database
) -> None:
    number, _ = await _published(bot, db)  # 陈静 was not bound: told nothing
    chen = await bind(bot, CHEN)
    [me] = await chen.says("/me")
    assert "结业考核：总评 95.6 分，优秀，准予结业（证书 XQDX-2026-CJ07-005）" in me.text
    [sent] = await chen.presses_button(me, "📄 2026年秋季处级干部进修班的结业证书")
    assert sent.kind == "document"
    assert sent.raw["document"]["file_name"] == "XQDX-2026-CJ07-005-陈静.docx"
    text = docx.text_of(bot.telegram.file(sent.raw["document"]["file_id"]).content)
    assert "陈静 同志（东城区人民政府办公室）于" in text
    # Someone else, or a trainee without a certificate, gets a stale button.
    li = await bind(bot, "15000150006")  # 杨磊: did not graduate
    [his] = await li.says("/me")
    assert "📄" not in " ".join(his.button_texts)
    klass = await class_id(db)
    assert await li.presses(his.message_id, CertificateSend(klass).pack()) == []
    assert alert(bot) == "这个按钮已失效，请重新发送命令。"
    assert number

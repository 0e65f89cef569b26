"""What the records are built of: text-only cells in a streamed sheet, one consistent
snapshot of the database, and the training file's final-assessment hook."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

from openpyxl import load_workbook

from bot import docx
from bot.clock import ManualClock
from bot.docx import text_of
from bot.importer.model import ClassPlan
from bot.records import files, model
from bot.records.files import Assessment
from bot.sheets import MOMENT, PERCENT, WRAP, StreamingBook
from bot.texts import Texts
from storage import classes
from storage.db import Database, Tx

LATER = datetime(2026, 12, 12, tzinfo=UTC)


def test_a_streamed_row_keeps_every_string_text_and_every_date_a_date() -> None:
    book = StreamingBook()
    sheet = book.sheet("表[1]", [10, 10])
    sheet.row(["标题"], bold=True)
    sheet.row(["列"], bold=True)
    when = datetime(2026, 12, 7, 8, 30)
    sheet.row(
        ['=HYPERLINK("http://evil","点我")', "#N/A", "+1", "bell\x07", when, 0.5, None, "普通"],
        [None, None, None, None, MOMENT, PERCENT],
    )
    sheet.row([date(2026, 12, 7), time(8, 30), 3, True])
    out = io.BytesIO()
    book.save(out)
    loaded = load_workbook(io.BytesIO(out.getvalue()))
    assert loaded.sheetnames == ["表_1_"]
    x = loaded["表_1_"]
    assert x.freeze_panes == "A3" and x.print_title_rows == "$1:$2"
    assert x.page_setup.orientation == "landscape" and x.page_setup.paperSize == 9
    assert x.column_dimensions["B"].width == 10 and x["A1"].font.b
    row = next(iter(x.iter_rows(min_row=3, max_row=3)))
    assert [c.value for c in row[:4]] == ['=HYPERLINK("http://evil","点我")', "#N/A", "+1", "bell"]
    assert all(c.data_type == "s" for c in row[:4]) and row[0].quotePrefix and row[2].quotePrefix
    assert row[4].value == when and row[4].number_format == MOMENT
    assert row[5].value == 0.5 and row[5].number_format == PERCENT
    assert row[7].value == "普通" and not row[7].quotePrefix
    assert [c.value for c in x[4][:4]] == [datetime(2026, 12, 7), time(8, 30), 3, True]


def test_a_wrapped_column_wraps_its_text_and_keeps_it_text() -> None:
    book = StreamingBook()
    sheet = book.sheet("评语", [10, 60], header_rows=1)
    sheet.row(["列", "评语"], bold=True)
    sheet.row(["不换行", "第一条\n第二条"], [None, WRAP])
    sheet.row([None, "=1+1\n第二条"], [None, WRAP])
    out = io.BytesIO()
    book.save(out)
    x = load_workbook(io.BytesIO(out.getvalue()))["评语"]
    assert x["B2"].value == "第一条\n第二条" and x["B2"].alignment.wrap_text
    assert x["B2"].alignment.vertical == "top" and not x["B2"].quotePrefix
    assert not x["A2"].alignment.wrap_text and x["A1"].font.b and not x["B1"].alignment.wrap_text
    assert x["B3"].data_type == "s" and x["B3"].quotePrefix and x["B3"].alignment.wrap_text


async def test_a_snapshot_is_one_moment_and_streams_in_batches(
    db: Database, example_class: ClassPlan
) -> None:
    async with db.snapshot() as snap:
        before = (await snap.fetchone("SELECT count(*) FROM audit_log"))[0]

        async def op(tx: Tx) -> None:
            await tx.execute(
                "INSERT INTO audit_log (at, actor, action) VALUES ('2026-12-07', 'cli', 'x')"
            )

        await db.write(op)
        assert (await snap.fetchone("SELECT count(*) FROM audit_log"))[0] == before
        assert (await db.fetchone("SELECT count(*) FROM audit_log"))[0] == before + 1
        batches = [len(b) async for b in snap.stream("SELECT id FROM people", batch=5)]
        assert batches == [5, 5, 5, 3]
    async with db.snapshot() as snap:
        assert (await snap.fetchone("SELECT count(*) FROM audit_log"))[0] == before + 1


async def test_the_training_file_takes_the_final_assessment_and_shows_a_dismissal(
    db: Database, example_class: ClassPlan, clock: ManualClock
) -> None:
    [row] = await classes.all_classes(db)
    wang = (await db.fetchone("SELECT id FROM people WHERE name = '王芳'"))[0]
    li = (await db.fetchone("SELECT id FROM people WHERE name = '李强'"))[0]
    boss = (await db.fetchone("SELECT id FROM people WHERE name = '孙丽'"))[0]

    async def op(tx: Tx) -> None:
        await tx.execute(
            "INSERT INTO limit_decisions (class_id, person_id, decision, decided_by, decided_at)"
            " VALUES (?, ?, 'dismissed', ?, '2026-12-10T02:00:00+00:00')",
            (row.id, li, boss),
        )

    await db.write(op)
    assessed = {wang: Assessment("92", "优秀", "学习认真，遵守纪律", "JY2026-0007")}
    found = {}
    async with db.snapshot() as snap:
        recs = await model.load(snap, row, LATER)
        async for item in files.training_files(snap, recs, Texts(), "zh", assessed):
            found[item.trainee.name] = text_of(item.data)
    assert len(found) == 12
    assert "考核成绩：92" in found["王芳"] and "结业证书编号：JY2026-0007" in found["王芳"]
    assert "待结业考核后填写" not in found["王芳"] and "待结业考核后填写" in found["李强"]
    assert "处理决定：责令退学（孙丽，2026-12-10 10:00）" in found["李强"]
    assert "缺勤" in found["李强"] and "出勤率 0%" in found["李强"]


def test_table_rows_write_what_the_table_macro_writes() -> None:
    texts = Texts()
    rows = [["x<&>", 3, "普通"], ["两行\n第二行", "=1", ""]]
    widths = [2.2, 1.3, 4]
    template = texts._env.from_string(
        '{% import "docx.xml" as d %}{{ d.table(["甲", "乙", "丙"], rows, widths) }}|'
        '{{ d.table(["甲", "乙", "丙"], [], widths, rows_xml=prebuilt) }}'
    )
    by_macro, prebuilt = template.render(
        rows=rows, widths=widths, prebuilt=docx.table_rows(rows, widths)
    ).split("|")
    assert by_macro == prebuilt
    assert "x&lt;&amp;&gt;" in prebuilt and "两行</w:t><w:br/>" in prebuilt

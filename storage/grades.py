"""Graduation (结业考核): assessment schemes, scores, published results, appraisals (学员鉴定),
certificates (结业证书) and the bot's own secrets.

Scores and weights are exact decimals stored as text and read as Fractions. Every change
runs in the caller's transaction; the first publication and a certificate's number are
guarded by constraints (PRIMARY KEY of grade_publications, UNIQUE number and sequence).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from storage import audit
from storage.db import Database, Queryable, Tx
from storage.times import from_db, to_db


def exact(value: Fraction) -> str:
    """A score or weight as stored: the shortest exact decimal ('85', '85.5')."""
    if value.denominator == 1:
        return str(value.numerator)
    text = f"{Decimal(value.numerator) / Decimal(value.denominator):f}"
    if Fraction(text) != value:
        raise ValueError(f"{value} is not a short decimal")
    return text


# -- schemes --------------------------------------------------------------------------------


async def scheme(db: Queryable, class_id: int) -> list[tuple[str, Fraction]]:
    """The class's components (name, weight) in the scheme's order; [] without a scheme."""
    rows = await db.fetchall(
        "SELECT name, weight FROM assessment_components WHERE class_id = ? ORDER BY position",
        (class_id,),
    )
    return [(r[0], Fraction(r[1])) for r in rows]


async def schemes_by_class_name(db: Queryable) -> dict[str, list[tuple[str, Fraction]]]:
    """Every class's scheme, by class name (a scores sheet is checked against it)."""
    rows = await db.fetchall(
        "SELECT c.name, a.name, a.weight FROM assessment_components a"
        " JOIN classes c ON c.id = a.class_id ORDER BY c.id, a.position"
    )
    found: dict[str, list[tuple[str, Fraction]]] = {}
    for class_name, name, weight in rows:
        found.setdefault(class_name, []).append((name, Fraction(weight)))
    return found


async def replace_scheme(tx: Tx, class_id: int, components: Sequence[tuple[str, Fraction]]) -> bool:
    """Make these the class's components; False if they already were."""
    if await scheme(tx, class_id) == list(components):
        return False
    await tx.execute("DELETE FROM assessment_components WHERE class_id = ?", (class_id,))
    await tx.executemany(
        "INSERT INTO assessment_components (class_id, position, name, weight) VALUES (?, ?, ?, ?)",
        [(class_id, n, name, exact(weight)) for n, (name, weight) in enumerate(components)],
    )
    return True


# -- scores ---------------------------------------------------------------------------------


async def scores_of_class(db: Queryable, class_id: int) -> dict[int, dict[str, Fraction]]:
    """Every score of the class: person id -> component -> score."""
    rows = await db.fetchall(
        "SELECT person_id, component, score FROM scores WHERE class_id = ?", (class_id,)
    )
    found: dict[int, dict[str, Fraction]] = {}
    for person_id, component, score in rows:
        found.setdefault(person_id, {})[component] = Fraction(score)
    return found


async def set_score(
    tx: Tx,
    *,
    class_id: int,
    person_id: int,
    component: str,
    score: Fraction,
    source: str,
    by: int | None,
    now: datetime,
) -> tuple[bool, Fraction | None]:
    """Store one score; return whether it changed anything and the score it replaced
    (None: there was none)."""
    row = await tx.fetchone(
        "SELECT score FROM scores WHERE class_id = ? AND person_id = ? AND component = ?",
        (class_id, person_id, component),
    )
    before = Fraction(row[0]) if row else None
    if before == score:
        return False, before
    await tx.execute(
        "INSERT INTO scores (class_id, person_id, component, score, source, updated_by,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (class_id, person_id, component)"
        " DO UPDATE SET score = excluded.score, source = excluded.source,"
        " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        (class_id, person_id, component, exact(score), source, by, to_db(now)),
    )
    return True, before


# -- importing the graduation sheets --------------------------------------------------------


@dataclass
class GradesReport:
    """What importing an assessment sheet and scores changed."""

    class_id: int = 0
    scheme_changed: bool = False
    components: int = 0
    scores_changed: int = 0
    people: list[str] = field(default_factory=list)  # trainees whose scores changed

    @property
    def unchanged(self) -> bool:
        """True when nothing changed."""
        return not (self.scheme_changed or self.scores_changed)


async def apply_grades(
    tx: Tx,
    class_id: int,
    assessment: Sequence[tuple[str, Fraction]] | None,
    scores: Sequence[tuple[str, Sequence[tuple[str, Fraction]]]] | None,
    now: datetime,
) -> GradesReport:
    """Write a checked scheme (replacing the class's) and scores (phone, [(component,
    score)]; the cells given, keeping the others), audited; in the caller's transaction."""
    report = GradesReport(class_id=class_id)
    if assessment is not None:
        report.scheme_changed = await replace_scheme(tx, class_id, assessment)
        report.components = len(assessment)
    for phone, given in scores or ():
        row = await tx.fetchone("SELECT id, name FROM people WHERE phone = ?", (phone,))
        if row is None:
            continue  # checked against the roster before: cannot happen
        changed = 0
        for component, score in given:
            done, _ = await set_score(
                tx,
                class_id=class_id,
                person_id=row[0],
                component=component,
                score=score,
                source="import",
                by=None,
                now=now,
            )
            changed += done
        if changed:
            report.scores_changed += changed
            report.people.append(row[1])
    if not report.unchanged:
        await audit.record(
            tx,
            at=now,
            actor="cli",
            action="grades.import",
            class_id=class_id,
            subject=f"class:{class_id}",
            details={
                "scheme_changed": report.scheme_changed,
                "components": [[n, exact(w)] for n, w in assessment or ()],
                "scores_changed": report.scores_changed,
                "people": len(report.people),
            },
        )
    return report


async def import_grades(
    db: Database,
    class_id: int,
    assessment: Sequence[tuple[str, Fraction]] | None,
    scores: Sequence[tuple[str, Sequence[tuple[str, Fraction]]]] | None,
    now: datetime,
) -> GradesReport:
    """``apply_grades`` in a transaction of its own (a file of graduation sheets alone)."""
    return await db.write(lambda tx: apply_grades(tx, class_id, assessment, scores, now))


# -- publication and results ----------------------------------------------------------------


@dataclass(frozen=True)
class Publication:
    """A class's publication of its results."""

    class_id: int
    revision: int
    first_at: datetime
    published_at: datetime
    published_by: int


async def publication(db: Queryable, class_id: int) -> Publication | None:
    """The class's publication, if its results were published."""
    row = await db.fetchone(
        "SELECT class_id, revision, first_at, published_at, published_by"
        " FROM grade_publications WHERE class_id = ?",
        (class_id,),
    )
    return None if row is None else Publication(row[0], row[1], *map(from_db, row[2:4]), row[4])


async def publish(tx: Tx, class_id: int, by: int, now: datetime) -> int:
    """Record a publication (the first, or one more); return its revision."""
    await tx.execute(
        "INSERT INTO grade_publications (class_id, revision, first_at, published_at,"
        " published_by) VALUES (?, 1, ?, ?, ?) ON CONFLICT (class_id) DO UPDATE SET"
        " revision = revision + 1, published_at = excluded.published_at,"
        " published_by = excluded.published_by",
        (class_id, to_db(now), to_db(now), by),
    )
    row = await tx.fetchone(
        "SELECT revision FROM grade_publications WHERE class_id = ?", (class_id,)
    )
    assert row is not None
    return int(row[0])


@dataclass(frozen=True)
class PublishedResult:
    """A trainee's result as last published: what they were told."""

    revision: int
    result: dict[str, Any]
    published_at: datetime


async def results_of_class(db: Queryable, class_id: int) -> dict[int, PublishedResult]:
    """Every published result of the class, by person id."""
    rows = await db.fetchall(
        "SELECT person_id, revision, result, published_at FROM grade_results WHERE class_id = ?",
        (class_id,),
    )
    return {r[0]: PublishedResult(r[1], json.loads(r[2]), from_db(r[3])) for r in rows}


async def result_of(db: Queryable, class_id: int, person_id: int) -> PublishedResult | None:
    """A trainee's published result, if any."""
    row = await db.fetchone(
        "SELECT revision, result, published_at FROM grade_results"
        " WHERE class_id = ? AND person_id = ?",
        (class_id, person_id),
    )
    return None if row is None else PublishedResult(row[0], json.loads(row[1]), from_db(row[2]))


async def save_result(
    tx: Tx, class_id: int, person_id: int, result: Mapping[str, Any], now: datetime
) -> int:
    """Store a trainee's newly published result; return its revision (1, then one more)."""
    await tx.execute(
        "INSERT INTO grade_results (class_id, person_id, revision, result, published_at)"
        " VALUES (?, ?, 1, ?, ?) ON CONFLICT (class_id, person_id) DO UPDATE SET"
        " revision = revision + 1, result = excluded.result,"
        " published_at = excluded.published_at",
        (class_id, person_id, json.dumps(dict(result), ensure_ascii=False), to_db(now)),
    )
    row = await tx.fetchone(
        "SELECT revision FROM grade_results WHERE class_id = ? AND person_id = ?",
        (class_id, person_id),
    )
    assert row is not None
    return int(row[0])


# -- appraisals -----------------------------------------------------------------------------


async def appraisals_of_class(db: Queryable, class_id: int) -> dict[int, str]:
    """Every appraisal (学员鉴定) written in the class, by person id."""
    rows = await db.fetchall(
        "SELECT person_id, text FROM appraisals WHERE class_id = ?", (class_id,)
    )
    return {r[0]: r[1] for r in rows}


async def save_appraisal(
    tx: Tx, *, class_id: int, person_id: int, text: str, by: int, now: datetime
) -> str | None:
    """Store a trainee's appraisal; return the one it replaced, if any."""
    row = await tx.fetchone(
        "SELECT text FROM appraisals WHERE class_id = ? AND person_id = ?", (class_id, person_id)
    )
    await tx.execute(
        "INSERT INTO appraisals (class_id, person_id, text, written_by, written_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (class_id, person_id) DO UPDATE SET"
        " text = excluded.text, written_by = excluded.written_by,"
        " written_at = excluded.written_at",
        (class_id, person_id, text, by, to_db(now)),
    )
    return row[0] if row else None


# -- certificates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """An issued certificate: its number and the content its code is computed from."""

    id: int
    class_id: int
    person_id: int
    sequence: int
    number: str
    revision: int
    content: str  # canonical JSON
    issued_at: datetime
    revised_at: datetime
    revoked_at: datetime | None


_CERTIFICATE = (
    "SELECT id, class_id, person_id, sequence, number, revision, content, issued_at,"
    " revised_at, revoked_at FROM certificates"
)


def _certificate(row: Any) -> Certificate:
    return Certificate(
        *row[:7], from_db(row[7]), from_db(row[8]), from_db(row[9]) if row[9] else None
    )


async def certificates_of_class(db: Queryable, class_id: int) -> dict[int, Certificate]:
    """Every certificate of the class (revoked ones too), by person id."""
    rows = await db.fetchall(f"{_CERTIFICATE} WHERE class_id = ? ORDER BY sequence", (class_id,))
    return {r[2]: _certificate(r) for r in rows}


async def certificate_by_number(db: Queryable, number: str) -> Certificate | None:
    """The certificate with this number, if one was issued."""
    row = await db.fetchone(f"{_CERTIFICATE} WHERE number = ?", (number,))
    return None if row is None else _certificate(row)


async def number_taken(db: Queryable, number: str) -> bool:
    """Whether a certificate already has this number (another class's, say)."""
    return await db.fetchone("SELECT 1 FROM certificates WHERE number = ?", (number,)) is not None


async def next_sequence(db: Queryable, class_id: int) -> int:
    """The sequence number the class's next certificate gets."""
    row = await db.fetchone(
        "SELECT coalesce(max(sequence), 0) + 1 FROM certificates WHERE class_id = ?", (class_id,)
    )
    assert row is not None
    return int(row[0])


async def issue(
    tx: Tx,
    *,
    class_id: int,
    person_id: int,
    sequence: int,
    number: str,
    content: str,
    now: datetime,
) -> int:
    """Issue a certificate; return its id."""
    return await tx.insert(
        "INSERT INTO certificates (class_id, person_id, sequence, number, content, issued_at,"
        " revised_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (class_id, person_id, sequence, number, content, to_db(now), to_db(now)),
    )


async def revise(
    tx: Tx, certificate_id: int, *, content: str, revoked: bool, now: datetime
) -> None:
    """Re-issue a certificate under its number: new content or a revocation, one more
    revision."""
    await tx.execute(
        "UPDATE certificates SET content = ?, revision = revision + 1, revised_at = ?,"
        " revoked_at = ? WHERE id = ?",
        (content, to_db(now), to_db(now) if revoked else None, certificate_id),
    )


# -- secrets --------------------------------------------------------------------------------


async def secret(tx: Tx, name: str, make: Callable[[], str], now: datetime) -> str:
    """The bot's secret of this name, made (and kept) the first time it is asked for."""
    await tx.execute(
        "INSERT INTO app_secrets (name, value, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO NOTHING",
        (name, make(), to_db(now)),
    )
    row = await tx.fetchone("SELECT value FROM app_secrets WHERE name = ?", (name,))
    assert row is not None
    return str(row[0])


async def stored_secret(db: Queryable, name: str) -> str | None:
    """The bot's secret of this name, if it was made."""
    row = await db.fetchone("SELECT value FROM app_secrets WHERE name = ?", (name,))
    return None if row is None else str(row[0])


async def trainee_phones(db: Queryable, class_id: int) -> dict[str, str]:
    """The class's active trainees, phone -> name (what a scores sheet may name)."""
    rows = await db.fetchall(
        "SELECT DISTINCT p.phone, p.name FROM memberships m JOIN people p ON p.id = m.person_id"
        " WHERE m.class_id = ? AND m.active = 1 AND m.role = 'trainee'",
        (class_id,),
    )
    return {r[0]: r[1] for r in rows}


async def limit_decisions_of_class(db: Queryable, class_id: int) -> dict[int, str]:
    """The decisions recorded on trainees over the leave limit (storage/leave.py writes
    them): person id -> 'dismissed' (责令退学) or 'continues' (准予继续)."""
    rows = await db.fetchall(
        "SELECT person_id, decision FROM limit_decisions WHERE class_id = ?", (class_id,)
    )
    return {r[0]: r[1] for r in rows}


async def certificate_of(db: Queryable, class_id: int, person_id: int) -> Certificate | None:
    """A trainee's certificate in a class, if one was issued (revoked or not)."""
    row = await db.fetchone(
        f"{_CERTIFICATE} WHERE class_id = ? AND person_id = ?", (class_id, person_id)
    )
    return None if row is None else _certificate(row)

"""Every trainee's final assessment in a class, as the database says at a moment.

Read in a few queries for a whole class (900 trainees, a hundred sessions): the records of
every closed session at once, the approved leave, the limit decisions, the scores, the
appraisals, the certificates and the published results. Graded by bot/rules/grades.py in
roster order. The attendance component counts the sessions closed by ``now`` (their
statuses are final); grades are meant for the end of the class, and before it they are
provisional.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

from bot.config import Secret
from bot.graduation.certificates import CertificateContent, certificate_secret, verification_code
from bot.rules import attendance, class_settings, leave_limit
from bot.rules import grades as rules
from bot.rules.class_settings import ClassSettings
from bot.rules.grades import Band, Component, Grade, Reason
from bot.rules.record import Record, summarise
from storage import classes, grades, leave, sessions
from storage.classes import ClassRow
from storage.db import Queryable
from storage.grades import Certificate, Publication, PublishedResult


@dataclass(frozen=True)
class GradeOutcome:
    """One trainee's final assessment now, with what was published and issued to them."""

    person_id: int
    name: str
    unit: str | None
    phone: str
    grade: Grade
    record: Record  # the closed sessions, in class hours
    appraisal: str | None  # 学员鉴定
    certificate: Certificate | None  # issued at publication (revoked_at set if revoked)
    code: str | None  # the certificate's verification code, when the secret is known
    told: PublishedResult | None  # the result last published to them

    @property
    def final_score(self) -> Fraction:
        """The final score, rounded to one decimal (a missing score counts 0)."""
        return self.grade.score

    @property
    def band(self) -> Band:
        """优秀 / 良好 / 合格 / 不合格 (不合格 whenever they do not graduate)."""
        return self.grade.band

    @property
    def graduates(self) -> bool:
        """Whether they graduate (准予结业)."""
        return self.grade.graduates

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Why they do not graduate, regulations first; () when they do."""
        return self.grade.reasons

    @property
    def missing(self) -> tuple[str, ...]:
        """The components still without a score."""
        return self.grade.missing

    def snapshot(self) -> dict[str, Any]:
        """The result as published (and as /me shows it): JSON-ready."""
        return {
            "score": rules.show(self.grade.score),
            "band": self.grade.band.value,
            "graduates": self.grade.graduates,
            "reasons": [r.value for r in self.grade.reasons],
            "components": [
                [c.name, rules.show(c.weight), None if s is None else rules.show(s), c.computed]
                for c, s in self.grade.components
            ],
            "missing": list(self.grade.missing),
        }

    @property
    def changed(self) -> bool:
        """Whether the result differs from the one last published to them (or none was)."""
        return self.told is None or self.told.result != self.snapshot()


@dataclass(frozen=True)
class ClassGrades:
    """A class's scheme, its trainees' outcomes in roster order, and its publication."""

    row: ClassRow
    settings: ClassSettings
    components: tuple[Component, ...]
    class_hours: Fraction
    outcomes: tuple[GradeOutcome, ...]
    publication: Publication | None
    open_hours: Fraction = Fraction(0)  # class hours of sessions not closed yet: provisional

    @property
    def published(self) -> bool:
        """Whether the class's results were published."""
        return self.publication is not None

    def ranked(self) -> list[GradeOutcome]:
        """Graduates first, then by final score (highest first), then roster order."""
        return sorted(self.outcomes, key=lambda o: (not o.graduates, -o.final_score))

    def content_for(self, outcome: GradeOutcome, number: str, issued: date) -> CertificateContent:
        """What a graduate's certificate says."""
        return CertificateContent(
            number=number,
            name=outcome.name,
            unit=outcome.unit or "",
            class_name=self.row.name,
            start_date=self.row.start_date,
            end_date=self.row.end_date,
            hours=leave_limit.show(self.class_hours),
            school=self.settings.school_name or "",
            issued=issued.isoformat(),
        )


def deductions_of(settings: ClassSettings) -> rules.Deductions:
    """The class's deductions from the attendance component, exactly."""
    return rules.Deductions(
        late=leave_limit.hours(settings.deduct_late),
        left_early=leave_limit.hours(settings.deduct_left_early),
        absent_hour=leave_limit.hours(settings.deduct_absent_hour),
        leave_hour=leave_limit.hours(settings.deduct_leave_hour),
    )


def bands_of(settings: ClassSettings) -> rules.Bands:
    """The class's grade bands."""
    return rules.Bands(
        Fraction(settings.grade_excellent),
        Fraction(settings.grade_good),
        Fraction(settings.grade_pass),
    )


async def _records(
    db: Queryable, class_id: int, settings: ClassSettings, now: datetime
) -> dict[int, Record]:
    """Every active trainee's record of the sessions closed by ``now``."""
    timing = attendance.rules_of(settings)
    held: dict[int, list[tuple[attendance.Outcome, Fraction, str | None]]] = defaultdict(list)
    for fact in await leave.trainees_of_class(db, class_id, now):
        w = attendance.windows(fact.starts_at, fact.ends_at, timing)
        if not attendance.is_closed(now, w):
            continue
        stored = attendance.Record(
            fact.checkin_at,
            fact.checkout_at,
            attendance.Status(fact.override_status) if fact.override_status else None,
        )
        outcome = attendance.status(
            stored, w, on_leave=fact.on_leave, double_checkin=settings.double_checkin, now=now
        )
        held[fact.person_id].append((outcome, fact.hours, None))
    return {person_id: summarise(found) for person_id, found in held.items()}


async def class_grades(
    db: Queryable, class_id: int, now: datetime, *, secret: Secret | None = None
) -> ClassGrades | None:
    """Grade the whole class now; None if there is no such class.

    ``secret``: the configured certificate secret (TRAINEE_BOT_CERT_SECRET), if any; the
    stored one is used otherwise, to give each certificate its code.
    """
    row = await classes.by_id(db, class_id)
    if row is None:
        return None
    settings = class_settings.from_json(row.settings)
    components = tuple(Component(n, w) for n, w in await grades.scheme(db, class_id))
    total = await sessions.class_hours(db, class_id)
    limit = leave_limit.limit_hours(total, settings.leave_limit_ratio)
    records = await _records(db, class_id, settings, now)
    approved = await leave.approved_hours_of_class(db, class_id)
    decisions = await grades.limit_decisions_of_class(db, class_id)
    scores = await grades.scores_of_class(db, class_id)
    appraisals = await grades.appraisals_of_class(db, class_id)
    certificates = await grades.certificates_of_class(db, class_id)
    told = await grades.results_of_class(db, class_id)
    key = await certificate_secret(db, secret) if certificates else None
    deductions, bands = deductions_of(settings), bands_of(settings)
    outcomes = []
    for entry in await classes.roster(db, class_id):
        if "trainee" not in entry.roles:
            continue
        pid = entry.person_id
        record = records.get(pid) or Record()
        counted, _ = leave_limit.split_counted(approved.get(pid, {}), settings.leave_type_counts)
        absent = record.absent.hours if settings.absence_counts_toward_limit else Fraction(0)
        standing = rules.Standing(
            dismissed=decisions.get(pid) == "dismissed",
            over_limit=leave_limit.is_past(counted + absent, limit, 100),
            continues=decisions.get(pid) == "continues",
        )
        grade = rules.grade(
            components,
            scores.get(pid, {}),
            rules.attendance_score(record, deductions),
            standing,
            bands,
        )
        certificate = certificates.get(pid)
        code = verification_code(key, certificate.content) if certificate and key else None
        outcomes.append(
            GradeOutcome(
                pid,
                entry.name,
                entry.unit,
                entry.phone,
                grade,
                record,
                appraisals.get(pid),
                certificate,
                code,
                told.get(pid),
            )
        )
    publication = await grades.publication(db, class_id)
    timing = attendance.rules_of(settings)
    open_hours = leave_limit.total(
        s.hours
        for s in await sessions.of_class_until(db, class_id, datetime.max.replace(tzinfo=UTC))
        if not attendance.is_closed(now, attendance.windows(s.starts_at, s.ends_at, timing))
    )
    return ClassGrades(row, settings, components, total, tuple(outcomes), publication, open_hours)


async def outcomes_of_class(
    db: Queryable, class_id: int, now: datetime, *, secret: Secret | None = None
) -> dict[int, GradeOutcome]:
    """Every active trainee's outcome now, by person id ({} for no such class): for the
    records export (the attendance summary sheet and the training files)."""
    found = await class_grades(db, class_id, now, secret=secret)
    return {} if found is None else {o.person_id: o for o in found.outcomes}

"""What every record of a class is built from: the class, its timetable, its trainees, who was
on leave when, each session's windows, and each sign-in row's status at a moment.

The status of a row is the attendance rules' (bot/rules/attendance.py), the same function
/me, /roll and /risk use, so the files a school keeps say what the bot said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.rules import attendance, class_settings, leave_limit
from bot.rules.attendance import Outcome, Status, Windows
from bot.rules.class_settings import ClassSettings
from bot.rules.record import Record
from storage import leave, records
from storage.classes import ClassRow
from storage.db import Queryable
from storage.records import Cover, Held, Mark, Trainee


@dataclass(frozen=True)
class Assessment:
    """The final assessment of a trainee, as the graduation feature records it."""

    score: str | None = None  # 成绩, on the 100-point scale, as written
    grade: str | None = None  # 等次: 优秀 / 良好 / 合格 / 不合格
    appraisal: str | None = None  # 学员鉴定 by the class manager
    certificate: str | None = None  # 结业证书编号
    outcome: str | None = None  # 结业情况: graduates, or does not and why, in words


@dataclass(frozen=True)
class ClassRecords:
    """A class with what every sheet and file of it needs, read once."""

    row: ClassRow
    settings: ClassSettings
    now: datetime
    timetable: tuple[Held, ...]
    sessions: dict[int, Held]
    windows: dict[int, Windows]
    trainees: tuple[Trainee, ...]
    people: dict[int, Trainee]
    covers: dict[tuple[int, int], Cover]
    approved_by_type: dict[int, dict[str, Fraction]]
    limits: dict[int, records.LimitEntry]

    # Cached: read for every one of the 360,000 sign-in rows and training-file rows of a
    # large class (recomputing the exact sum per trainee cost ~1.5 s of a 33 s export).
    @cached_property
    def zone(self) -> ZoneInfo:
        """The class's time zone: every date and time of its records is local to it."""
        return ZoneInfo(self.row.timezone)

    @cached_property
    def class_hours(self) -> Fraction:
        """The class's total class hours (总学时)."""
        return leave_limit.total(s.hours for s in self.timetable)

    @property
    def limit(self) -> Fraction:
        """The leave limit in class hours."""
        return leave_limit.limit_hours(self.class_hours, self.settings.leave_limit_ratio)

    def local(self, moment: datetime | None) -> datetime | None:
        """A moment as a naive local datetime (what a spreadsheet cell holds)."""
        if moment is None:
            return None
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def day(self, moment: datetime) -> date:
        """The local date of a moment."""
        return moment.astimezone(self.zone).date()

    @cached_property
    def closed_ids(self) -> frozenset[int]:
        """The sessions whose statuses are final now."""
        return frozenset(i for i, w in self.windows.items() if attendance.is_closed(self.now, w))

    def closed(self, session_id: int) -> bool:
        """Whether the session's statuses are final now."""
        return session_id in self.closed_ids

    def outcome(self, mark: Mark) -> Outcome:
        """A trainee's status in a session now, by the attendance rules."""
        cover = self.covers.get((mark.person_id, mark.session_id))
        override = mark.override_status
        return attendance.status(
            attendance.Record(
                mark.checkin_at, mark.checkout_at, Status(override) if override else None
            ),
            self.windows[mark.session_id],
            on_leave=cover is not None and cover.status == "approved",
            double_checkin=self.settings.double_checkin,
            now=self.now,
        )

    def leave_type_of(self, mark: Mark) -> str | None:
        """The type of the approved leave covering this session, if any."""
        cover = self.covers.get((mark.person_id, mark.session_id))
        return cover.leave_type if cover and cover.status == "approved" else None

    def tally(self, person_id: int, record: Record) -> leave_limit.Tally:
        """A trainee's leave against the limit, from their approved leave and, if the class
        counts it, their unexcused absence (as handlers/leave/figures.py counts it)."""
        counted, uncounted = leave_limit.split_counted(
            self.approved_by_type.get(person_id, {}), self.settings.leave_type_counts
        )
        missed = record.absent.hours if self.settings.absence_counts_toward_limit else Fraction(0)
        return leave_limit.Tally(
            self.class_hours, self.settings.leave_limit_ratio, counted, missed, uncounted
        )

    def leave_types(self) -> list[str]:
        """The class's leave types, then any other type a request holds, in that order."""
        names = [t.name for t in self.settings.leave_types]
        for by_type in self.approved_by_type.values():
            names.extend(t for t in by_type if t not in names)
        for cover in self.covers.values():
            if cover.leave_type not in names:
                names.append(cover.leave_type)
        return names


async def load(db: Queryable, row: ClassRow, now: datetime) -> ClassRecords:
    """Read what every record of a class needs (everything but the sign-in rows)."""
    settings = class_settings.from_json(row.settings)
    rules = attendance.rules_of(settings)
    timetable = tuple(await records.timetable(db, row.id))
    trainees = tuple(await records.trainees(db, row.id))
    return ClassRecords(
        row=row,
        settings=settings,
        now=now,
        timetable=timetable,
        sessions={s.id: s for s in timetable},
        windows={s.id: attendance.windows(s.starts_at, s.ends_at, rules) for s in timetable},
        trainees=trainees,
        people={t.person_id: t for t in trainees},
        covers=await records.covers(db, row.id),
        approved_by_type=await leave.approved_hours_of_class(db, row.id),
        limits=await records.limit_decisions(db, row.id),
    )

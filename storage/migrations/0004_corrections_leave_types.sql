-- Issue 14: leave types, leave filed after the fact or on a trainee's behalf, corrections of
-- the record (补卡), and one live /code message per session.

-- Each request has a type (class setting leave_types: sick 病假, personal 事假, official 公假
-- by default). Requests made before types existed become personal leave (事假): the type a
-- trainee who "asked for leave" without saying more is taken to have asked for, and one that
-- counts toward the limit, as the regulation counts every absence.
ALTER TABLE leave_requests ADD COLUMN leave_type TEXT NOT NULL DEFAULT 'personal';
-- 补假: the request covers a session that had begun when it was sent.
ALTER TABLE leave_requests ADD COLUMN retroactive INTEGER NOT NULL DEFAULT 0;
-- A class manager recorded it for the trainee (asked by phone); NULL: the trainee sent it.
ALTER TABLE leave_requests ADD COLUMN recorded_by INTEGER REFERENCES people(id);

-- A trainee's request to correct their status in a past session (补卡), with a reason and
-- evidence. The class managers decide; the first decision wins (a conditional UPDATE from
-- 'pending'), and an approval writes the asked status as a hand marking (attendance.override_*).
CREATE TABLE corrections (
    id                  INTEGER PRIMARY KEY,
    class_id            INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    session_id          INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    person_id           INTEGER NOT NULL REFERENCES people(id),
    status_before       TEXT NOT NULL,              -- the status when it was asked
    status_asked        TEXT NOT NULL CHECK (status_asked IN ('present', 'late', 'left_early')),
    reason              TEXT NOT NULL,
    attachment_file_id  TEXT,
    attachment_kind     TEXT,
    status              TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    decided_by          INTEGER REFERENCES people(id),
    decision_reason     TEXT,
    decided_at          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CHECK (status != 'rejected' OR decision_reason IS NOT NULL)
);
-- One pending request per person and session: a second one is a duplicate.
CREATE UNIQUE INDEX corrections_one_pending ON corrections (session_id, person_id)
    WHERE status = 'pending';
CREATE INDEX corrections_person ON corrections (class_id, person_id);

-- A class manager may keep one live /code message per session (two sessions open at once:
-- one each), so the display form is now kept per session, as rating forms are.
UPDATE forms SET kind = 'checkin.code_display:' || json_extract(data, '$.session_id')
    WHERE kind = 'checkin.code_display';

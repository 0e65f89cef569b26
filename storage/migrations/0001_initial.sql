-- The whole product's schema. Times are UTC, ISO-8601 text ('2026-12-07T00:30:00+00:00'):
-- unambiguous, and they sort as text. Dates of a class are local dates ('2026-12-07').

CREATE TABLE classes (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',   -- JSON, read by bot/class_settings.py
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- One row per human, across classes: the phone number is who they are.
CREATE TABLE people (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    phone             TEXT NOT NULL UNIQUE,   -- normalised by bot/phones.py
    unit              TEXT,
    invite_code       TEXT NOT NULL UNIQUE,
    telegram_user_id  INTEGER UNIQUE,
    locale            TEXT CHECK (locale IN ('zh', 'en')),
    bound_at          TEXT,
    unreachable_at    TEXT,                   -- set when Telegram answers 403
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

CREATE TABLE memberships (
    class_id   INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id),
    role       TEXT NOT NULL CHECK (role IN ('trainee', 'manager', 'monitor', 'instructor', 'admin')),
    active     INTEGER NOT NULL DEFAULT 1,    -- 0 once a re-import drops them: records stay
    PRIMARY KEY (class_id, person_id, role)
);
CREATE INDEX memberships_person ON memberships (person_id);

-- The timetable. A session a re-import drops is cancelled, never deleted: it may have records.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    class_id     INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    external_id  TEXT,
    title        TEXT NOT NULL,
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    location     TEXT,
    hours        REAL NOT NULL CHECK (hours >= 0),
    secret       TEXT NOT NULL,               -- seeds the rotating check-in code
    cancelled_at TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    CHECK (ends_at > starts_at),
    UNIQUE (class_id, external_id)
);
CREATE INDEX sessions_class_start ON sessions (class_id, starts_at);
CREATE INDEX sessions_start ON sessions (starts_at);

CREATE TABLE session_instructors (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id),
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, person_id)
);
CREATE INDEX session_instructors_person ON session_instructors (person_id);

-- Check-in and check-out per person and session. The status is derived from these and the
-- timetable by a pure function; override_* records a class manager's hand marking.
CREATE TABLE attendance (
    session_id       INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    person_id        INTEGER NOT NULL REFERENCES people(id),
    checkin_at       TEXT,
    checkin_method   TEXT,
    checkout_at      TEXT,
    checkout_method  TEXT,
    code_failures    INTEGER NOT NULL DEFAULT 0,
    locked_at        TEXT,
    override_status  TEXT,
    override_reason  TEXT,
    override_by      INTEGER REFERENCES people(id),
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (session_id, person_id)
);
CREATE INDEX attendance_person ON attendance (person_id);

CREATE TABLE leave_requests (
    id                  INTEGER PRIMARY KEY,
    class_id            INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    person_id           INTEGER NOT NULL REFERENCES people(id),
    status              TEXT NOT NULL CHECK (status IN
                          ('pending', 'approved', 'rejected', 'cancelled', 'withdrawn', 'expired')),
    reason              TEXT NOT NULL,
    attachment_file_id  TEXT,
    attachment_kind     TEXT,
    hours               REAL NOT NULL,
    levels_required     INTEGER NOT NULL DEFAULT 1 CHECK (levels_required IN (1, 2)),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    ended_early_at      TEXT,
    reported_back_at    TEXT
);
CREATE INDEX leave_requests_class_status ON leave_requests (class_id, status);
CREATE INDEX leave_requests_person ON leave_requests (person_id);

CREATE TABLE leave_sessions (
    request_id INTEGER NOT NULL REFERENCES leave_requests(id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    PRIMARY KEY (request_id, session_id)
);

-- One decision per level: the UNIQUE constraint is what makes "the first decision wins".
CREATE TABLE leave_decisions (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES leave_requests(id) ON DELETE CASCADE,
    level       INTEGER NOT NULL CHECK (level IN (1, 2)),
    decided_by  INTEGER NOT NULL REFERENCES people(id),
    decision    TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    reason      TEXT,
    decided_at  TEXT NOT NULL,
    UNIQUE (request_id, level)
);

-- The person is kept only for the one-rating-per-person rule; no view shows it.
CREATE TABLE ratings (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    person_id     INTEGER NOT NULL REFERENCES people(id),
    scores        TEXT NOT NULL,              -- JSON {dimension: 1..5}
    comment       TEXT,
    submitted_at  TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (session_id, person_id)
);

-- Half-filled forms (a leave request being written, a rating being given) live here, not in
-- memory, so a restart loses nothing.
CREATE TABLE forms (
    person_id   INTEGER NOT NULL REFERENCES people(id),
    kind        TEXT NOT NULL,
    data        TEXT NOT NULL,                -- JSON
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (person_id, kind)
);

-- Every message the bot sends on its own initiative, queued in the transaction that causes it.
CREATE TABLE outbox (
    id                   INTEGER PRIMARY KEY,
    idempotency_key      TEXT NOT NULL UNIQUE,
    chat_id              INTEGER NOT NULL,
    person_id            INTEGER REFERENCES people(id),
    method               TEXT NOT NULL DEFAULT 'sendMessage',
    payload              TEXT NOT NULL,       -- JSON parameters of the Bot API call
    not_before           TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'pending'
                           CHECK (status IN ('pending', 'sent', 'failed', 'unreachable', 'dropped')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT,
    telegram_message_id  INTEGER,
    created_at           TEXT NOT NULL,
    sent_at              TEXT
);
CREATE INDEX outbox_due ON outbox (not_before) WHERE status = 'pending';

-- Updates whose effects are committed: a redelivered update changes nothing twice.
CREATE TABLE processed_updates (
    update_id     INTEGER PRIMARY KEY,
    processed_at  TEXT NOT NULL
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER REFERENCES people(id),  -- NULL for the command line and the bot itself
    actor       TEXT NOT NULL,                  -- 'cli', 'bot', 'telegram:<user id>'
    action      TEXT NOT NULL,
    class_id    INTEGER REFERENCES classes(id) ON DELETE SET NULL,
    subject     TEXT,                           -- e.g. 'person:12', 'leave:3'
    details     TEXT NOT NULL DEFAULT '{}'      -- JSON
);
CREATE INDEX audit_log_class ON audit_log (class_id, at);

-- Graduation (结业考核, issue 16): each class's assessment scheme, the scores typed in or
-- imported, the results as published, the class managers' appraisals (学员鉴定), the
-- numbered completion certificates (结业证书) and the secret their verification codes use.
-- Scores and weights are exact decimals kept as text ('85.5'), read as Fractions.

-- The components of a class's final assessment and their weights (summing to 100); the one
-- named attendance / 出勤 is computed from the record. An import replaces them whole.
CREATE TABLE assessment_components (
    class_id  INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    weight    TEXT NOT NULL,
    PRIMARY KEY (class_id, name)
);

-- A trainee's score in one typed component, 0 to 100: from an import, or typed in chat by a
-- class manager (with a reason, in the audit log). A component the scheme drops keeps its
-- scores here, unused.
CREATE TABLE scores (
    class_id    INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    component   TEXT NOT NULL,
    score       TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('import', 'chat')),
    updated_by  INTEGER REFERENCES people(id),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (class_id, person_id, component)
);

-- A class's publication: once published, trainees see their results; a later publication
-- (after corrections) bumps the revision and tells only those whose result changed.
CREATE TABLE grade_publications (
    class_id      INTEGER PRIMARY KEY REFERENCES classes(id) ON DELETE CASCADE,
    revision      INTEGER NOT NULL,
    first_at      TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    published_by  INTEGER NOT NULL REFERENCES people(id)
);

-- Each trainee's result as last published (JSON): what they were told and what /me shows,
-- whatever changes after until the next publication.
CREATE TABLE grade_results (
    class_id      INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    person_id     INTEGER NOT NULL REFERENCES people(id),
    revision      INTEGER NOT NULL,
    result        TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    PRIMARY KEY (class_id, person_id)
);

-- A class manager's written appraisal of a trainee (学员鉴定), for the training file.
CREATE TABLE appraisals (
    class_id    INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    text        TEXT NOT NULL,
    written_by  INTEGER NOT NULL REFERENCES people(id),
    written_at  TEXT NOT NULL,
    PRIMARY KEY (class_id, person_id)
);

-- Completion certificates. The number is given at the first publication and kept for good;
-- ``content`` is the canonical JSON of what the certificate says, from which its
-- verification code is computed (HMAC with the secret), so a changed content is a new
-- revision with the same number. A graduate who no longer graduates has it revoked.
CREATE TABLE certificates (
    id          INTEGER PRIMARY KEY,
    class_id    INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    sequence    INTEGER NOT NULL,
    number      TEXT NOT NULL UNIQUE,
    revision    INTEGER NOT NULL DEFAULT 1,
    content     TEXT NOT NULL,
    issued_at   TEXT NOT NULL,
    revised_at  TEXT NOT NULL,
    revoked_at  TEXT,
    UNIQUE (class_id, person_id),
    UNIQUE (class_id, sequence)
);

-- Secrets the bot makes for itself once (the certificates' key when TRAINEE_BOT_CERT_SECRET
-- is not set). Never printed, logged or exported.
CREATE TABLE app_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

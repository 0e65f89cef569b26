-- What a class manager or admin recorded for a trainee over the leave limit (the one-seventh
-- rule of leave_limit_ratio). The bot never removes anyone: this only keeps the decision.
-- One per trainee and class: the UNIQUE constraint is what makes "the first decision wins".
CREATE TABLE limit_decisions (
    id          INTEGER PRIMARY KEY,
    class_id    INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    decision    TEXT NOT NULL CHECK (decision IN ('dismissed', 'continues')),
    reason      TEXT,                         -- required to let the trainee continue
    decided_by  INTEGER NOT NULL REFERENCES people(id),
    decided_at  TEXT NOT NULL,
    UNIQUE (class_id, person_id),
    CHECK (decision = 'dismissed' OR reason IS NOT NULL)
);

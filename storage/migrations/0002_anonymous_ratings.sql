-- Ratings lose their person when the rating window closes (bot/rating_jobs.py, with the
-- summary): the one-per-person rule needs it only while the rating can still change.
-- SQLite cannot drop NOT NULL in place, so the table is rebuilt, keeping every row and id.
-- UNIQUE (session_id, person_id) stays: SQLite treats NULLs as distinct, so anonymised rows
-- never collide, and the constraint's index still serves lookups by session.
CREATE TABLE ratings_new (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    person_id     INTEGER REFERENCES people(id) ON DELETE SET NULL,  -- NULL once closed
    scores        TEXT NOT NULL,              -- JSON {dimension: 1..5}
    comment       TEXT,
    submitted_at  TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (session_id, person_id)
);
INSERT INTO ratings_new (id, session_id, person_id, scores, comment, submitted_at, updated_at)
    SELECT id, session_id, person_id, scores, comment, submitted_at, updated_at FROM ratings;
DROP TABLE ratings;
ALTER TABLE ratings_new RENAME TO ratings;

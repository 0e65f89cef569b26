-- A log of whose identity changed: a binding, a role, a locale, a 403 (the person's id), or
-- a class's name, dates or settings (NULL: anyone's). The bot's identity cache
-- (storage/identities.py) reads it to know which people to read again, so a change by any
-- process, the CLI's import included, is seen by the next update. Triggers, not code: no
-- write can forget it. Only the last 10,000 changes are kept; a cache further behind
-- starts again.
CREATE TABLE identity_changes (
    seq        INTEGER PRIMARY KEY,
    person_id  INTEGER
);
INSERT INTO identity_changes (seq, person_id) VALUES (1, NULL);

CREATE TRIGGER identity_changes_prune AFTER INSERT ON identity_changes
BEGIN DELETE FROM identity_changes WHERE seq <= NEW.seq - 10000; END;

CREATE TRIGGER people_identity_insert AFTER INSERT ON people
BEGIN INSERT INTO identity_changes (person_id) VALUES (NEW.id); END;
CREATE TRIGGER people_identity_update
AFTER UPDATE OF id, name, phone, unit, invite_code, telegram_user_id, locale, unreachable_at
ON people
BEGIN
    INSERT INTO identity_changes (person_id) VALUES (NEW.id);
    INSERT INTO identity_changes (person_id) SELECT OLD.id WHERE OLD.id != NEW.id;
END;
CREATE TRIGGER people_identity_delete AFTER DELETE ON people
BEGIN INSERT INTO identity_changes (person_id) VALUES (OLD.id); END;

CREATE TRIGGER memberships_identity_insert AFTER INSERT ON memberships
BEGIN INSERT INTO identity_changes (person_id) VALUES (NEW.person_id); END;
CREATE TRIGGER memberships_identity_update AFTER UPDATE ON memberships
BEGIN
    INSERT INTO identity_changes (person_id) VALUES (NEW.person_id);
    INSERT INTO identity_changes (person_id)
    SELECT OLD.person_id WHERE OLD.person_id != NEW.person_id;
END;
CREATE TRIGGER memberships_identity_delete AFTER DELETE ON memberships
BEGIN INSERT INTO identity_changes (person_id) VALUES (OLD.person_id); END;

CREATE TRIGGER classes_identity_insert AFTER INSERT ON classes
BEGIN INSERT INTO identity_changes (person_id) VALUES (NULL); END;
CREATE TRIGGER classes_identity_update
AFTER UPDATE OF id, name, start_date, end_date, timezone, settings ON classes
BEGIN INSERT INTO identity_changes (person_id) VALUES (NULL); END;
CREATE TRIGGER classes_identity_delete AFTER DELETE ON classes
BEGIN INSERT INTO identity_changes (person_id) VALUES (NULL); END;

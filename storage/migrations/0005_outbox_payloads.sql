-- A queued call's parameters live apart from its row, and only while it is pending.
--
-- The row of a call that is done with stays for the retention (its key keeps the message
-- from being queued twice, its message id lets a later edit find it), but its payload is of
-- no use once the call is sent or parked. 0001 shrank the payload in place, which left the
-- outbox pages 70% empty: SQLite does not move rows between pages, and incremental vacuum
-- only gives back pages that are wholly free. Payloads deleted in the order they were
-- queued empty whole pages, which the hourly upkeep gives back.
CREATE TABLE outbox_payloads (
    outbox_id  INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,
    payload    TEXT NOT NULL               -- JSON parameters of the Bot API call
);
INSERT INTO outbox_payloads (outbox_id, payload)
    SELECT id, payload FROM outbox WHERE status = 'pending';
ALTER TABLE outbox DROP COLUMN payload;

-- A payload exists exactly while its call is pending: whatever code finishes a row.
CREATE TRIGGER outbox_payload_done AFTER UPDATE OF status ON outbox
    WHEN NEW.status != 'pending'
BEGIN
    DELETE FROM outbox_payloads WHERE outbox_id = NEW.id;
END;

"""The audit log: who changed what, written in the transaction that made the change."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.times import to_db


async def record(
    tx: Tx,
    *,
    at: datetime,
    actor: str,
    action: str,
    actor_id: int | None = None,
    class_id: int | None = None,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry to the audit log."""
    await tx.execute(
        "INSERT INTO audit_log (at, actor_id, actor, action, class_id, subject, details)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            to_db(at),
            actor_id,
            actor,
            action,
            class_id,
            subject,
            json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
        ),
    )

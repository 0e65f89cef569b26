"""What other features read of graduation: a trainee's result as published (for /me)."""

from __future__ import annotations

from typing import Any

from storage import grades
from storage.db import Queryable


async def published_result(db: Queryable, class_id: int, person_id: int) -> dict[str, Any] | None:
    """The trainee's result as last published to them, with their certificate's number;
    None before the class's results are published (trainees see nothing before)."""
    told = await grades.result_of(db, class_id, person_id)
    if told is None:
        return None
    certificate = await grades.certificate_of(db, class_id, person_id)
    valid = certificate is not None and certificate.revoked_at is None and told.result["graduates"]
    return {
        "r": told.result,
        "certificate": {"number": certificate.number} if valid and certificate else None,
    }

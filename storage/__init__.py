"""SQLite storage: schema, migrations and every query. Never imports telegram."""

from storage.db import Database, Queryable, Topic, Tx

__all__ = ["Database", "Queryable", "Topic", "Tx"]

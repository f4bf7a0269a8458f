"""Shared column helpers for the models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from advanced_alchemy.base import BigIntAuditBase, BigIntBase, UUIDBase, orm_registry
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON
from sqlalchemy.dialects import postgresql

__all__ = [
    "BigIntAuditBase",
    "BigIntBase",
    "DateTimeUTC",
    "JsonB",
    "UUIDBase",
    "metadata",
    "utcnow",
]

metadata = orm_registry.metadata

# advanced-alchemy's JsonB adds a CHECK constraint that breaks on SQLAlchemy 2.1; this plain
# variant stores JSON on SQLite and JSONB on PostgreSQL.
JsonB = JSON().with_variant(postgresql.JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


JSONDict = dict[str, Any]

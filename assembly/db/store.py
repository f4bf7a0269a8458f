"""The database key-value store behind sessions and rate limits, read without a transaction.

advanced-alchemy's ``SQLAlchemyStore`` opens a session and a transaction for every ``get``;
on a state-changing request that transaction is the write lock (``BEGIN IMMEDIATE``), taken
before the request has even read its body. Here a ``get`` is one plain ``SELECT`` on a
pooled connection in autocommit, and ``delete_expired`` gives the expiry sweep what the
library's store lacks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from advanced_alchemy.extensions.litestar.store import SQLAlchemyStore, StoreModelMixin
from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from assembly.db.engine import autocommit_engine


class DatabaseStore(SQLAlchemyStore[Any]):
    """``SQLAlchemyStore`` whose plain reads take no transaction and no lock."""

    def __init__(
        self,
        config: Any,
        model: type[StoreModelMixin],
        namespace: str,
        engine: AsyncEngine,
    ) -> None:
        super().__init__(config, model, namespace=namespace)
        self._engine = engine
        self._reader = autocommit_engine(engine)

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        if renew_for:
            return await super().get(key, renew_for)
        model = self._model
        now = dt.datetime.now(dt.UTC)
        query = select(model.value).where(
            model.key == key,
            model.namespace == self.namespace,
            or_(model.expires_at.is_(None), model.expires_at > now),
        )
        async with self._reader.connect() as connection:
            value: bytes | None = (await connection.execute(query)).scalar_one_or_none()
        return value

    async def delete_expired(self) -> int:
        """Remove this namespace's expired items; how many went."""
        model = self._model
        statement = delete(model).where(
            model.namespace == self.namespace, model.expires_at <= dt.datetime.now(dt.UTC)
        )
        async with self._engine.execution_options(assembly_write=True).begin() as connection:
            result = await connection.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

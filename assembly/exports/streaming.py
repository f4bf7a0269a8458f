"""Rows in batches from the database, and the CSV and JSON Lines files they become.

Server-side cursors (or, for the two tables that can hold millions of rows, the database
driver itself) hand rows over in batches; the files are written as the batches come, so memory
stays flat however large the export.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import io
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any, cast

import msgspec
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.csv_cells import escape_cell, escape_text
from assembly.exports.datapackage import (
    Table,
)

BATCH_SIZE = 5000
SPOOL_READ_BYTES = 1 << 20

encode_json = msgspec.json.Encoder().encode
decode_json = msgspec.json.decode


def iso(value: Any) -> str | None:
    """A stored time as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC). SQLite hands back its stored text
    ("YYYY-MM-DD HH:MM:SS.ffffff", already UTC), which is reformatted without parsing."""
    if value is None:
        return None
    if isinstance(value, str):
        return f"{value[:10]}T{value[11:19]}Z"
    moment = cast(dt.datetime, value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value)[:19]).replace(tzinfo=dt.UTC)


async def read_batches(db: AsyncSession, statement: Select[Any]) -> AsyncIterator[Sequence[Any]]:
    """Rows in batches from a server-side cursor."""
    result = await db.stream(statement.execution_options(yield_per=BATCH_SIZE))
    try:
        async for partition in result.partitions(BATCH_SIZE):
            yield partition
    finally:
        await result.close()


async def one_batch(rows: list[tuple[Any, ...]]) -> AsyncIterator[list[tuple[Any, ...]]]:
    if rows:
        yield rows


def json_text(value: Any) -> str:
    return encode_json(value).decode()


def _csv_converters(table: Table) -> list[tuple[int, Callable[[Any], Any]]]:
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, f in enumerate(table.fields):
        if f.type == "boolean":
            converters.append((index, lambda v: None if v is None else ("true" if v else "false")))
        elif f.type in ("object", "array"):
            converters.append((index, lambda v: None if v is None else json_text(v)))
        elif f.type == "string":
            converters.append((index, escape_cell))
    return converters


async def csv_chunks(
    table: Table, batches: AsyncIterator[Sequence[Sequence[Any]]]
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.header)
    converters = _csv_converters(table)
    async for batch in batches:
        if converters:
            rows: Iterable[Sequence[Any]] = (_converted(row, converters) for row in batch)
        else:
            rows = batch
        writer.writerows(rows)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def _converted(row: Sequence[Any], converters: list[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    out = list(row)
    for index, convert in converters:
        out[index] = convert(out[index])
    return out


async def csv_line_chunks(
    table: Table, batches: AsyncIterator[Sequence[str]]
) -> AsyncIterator[bytes]:
    """CSV from lines made by the caller (the fast path of the two biggest tables)."""
    yield (",".join(table.header) + "\n").encode("utf-8")
    async for batch in batches:
        yield "".join(batch).encode("utf-8")


def csv_quoted(text: str) -> str:
    """A text cell, quoted and escaped against formulas, for CSV lines written by hand."""
    return '"' + escape_text(text).replace('"', '""') + '"'


# A stored time as ISO 8601 in UTC, formatted by the database (SQLite keeps the UTC time as
# text "YYYY-MM-DD HH:MM:SS.ffffff"; PostgreSQL has timestamptz).
SQLITE_ISO = "substr({column}, 1, 10) || 'T' || substr({column}, 12, 8) || 'Z'"
POSTGRES_ISO = "to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


async def driver_rows(
    db: AsyncSession, sqlite_sql: str, postgres_sql: str, params: Sequence[Any]
) -> AsyncIterator[Sequence[Any]]:
    """Rows in batches straight from the database driver, in the session's transaction.

    For the two tables that can hold millions of rows (ballots and reactions) the ORM's and
    even Core's per-row work would take most of the export's time; the driver's own tuples
    (aiosqlite) or records (asyncpg) are all that is needed.
    """
    connection = await db.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    if connection.dialect.name == "sqlite":
        cursor = await driver.execute(sqlite_sql, list(params))
        fetch = cursor.fetchmany
    else:
        cursor = await driver.cursor(postgres_sql, *params)
        fetch = cursor.fetch
    # The next batch is fetched while the caller works on this one.
    pending = asyncio.ensure_future(fetch(BATCH_SIZE))
    try:
        while rows := await pending:
            pending = asyncio.ensure_future(fetch(BATCH_SIZE))
            yield rows
    finally:
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending
        if connection.dialect.name == "sqlite":
            await cursor.close()


async def jsonl_chunks(
    table: Table, batches: AsyncIterator[Sequence[Sequence[Any]]]
) -> AsyncIterator[bytes]:
    names = table.header
    async for batch in batches:
        yield b"".join(encode_json(dict(zip(names, row, strict=True))) + b"\n" for row in batch)


class Spool:
    """A file filled during one pass and sent later, kept on disk rather than in memory."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed after its chunks are read
        self.items = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            self.file.seek(0)
            while chunk := self.file.read(SPOOL_READ_BYTES):
                yield chunk
        finally:
            self.file.close()

    def close(self) -> None:
        self.file.close()


async def one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def text_chunks(lines: Iterable[str], size: int = 1 << 16) -> AsyncIterator[bytes]:
    buffer: list[str] = []
    length = 0
    for line in lines:
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer).encode("utf-8")
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")

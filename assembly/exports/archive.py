"""Where an export's files go: a directory, or a ZIP streamed chunk by chunk.

An export is a sequence of entries, each a file name and an async stream of bytes; an entry
is read to its end before the next one starts, so one file is open at a time and the ZIP can
be sent while it is being made. The standard library's zipfile writes to a stream it cannot
seek (it then records sizes after each file's data), so no third-party ZIP streamer is needed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, cast

ZIP_FLUSH_BYTES = 256 * 1024


@dataclass
class Entry:
    name: str
    chunks: AsyncIterable[bytes]


@dataclass
class WrittenFile:
    name: str
    bytes: int
    sha256: str


async def measured(
    chunks: AsyncIterable[bytes], done: Callable[[int, str], None]
) -> AsyncIterator[bytes]:
    """Pass the chunks through, then report their total size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    async for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        yield chunk
    done(size, digest.hexdigest())


async def write_directory(entries: AsyncIterable[Entry], out: Path) -> list[WrittenFile]:
    """Write every entry under ``out`` (sub-directories made as needed)."""
    written: list[WrittenFile] = []
    async for entry in entries:
        digest = hashlib.sha256()
        size = 0
        with _open_inside(out, entry.name) as handle:
            async for chunk in entry.chunks:
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        written.append(WrittenFile(entry.name, size, digest.hexdigest()))
    return written


def _open_inside(out: Path, name: str) -> BinaryIO:
    root = out.resolve()
    path = (root / name).resolve()
    if root not in path.parents:
        raise ValueError(f"refusing to write {name!r} outside {out}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("wb")


class _Sink:
    """A write-only, unseekable file for zipfile: what it writes is collected to be sent."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


async def zip_stream(
    entries: AsyncIterable[Entry], *, prefix: str = "", moment: dt.datetime | None = None
) -> AsyncIterator[bytes]:
    """The entries as a ZIP file (deflated, ZIP64 so that size is no limit), in chunks."""
    stamp = (moment or dt.datetime.now(dt.UTC)).timetuple()[:6]
    sink = _Sink()
    with zipfile.ZipFile(cast(IO[bytes], sink), mode="w", allowZip64=True) as archive:
        async for entry in entries:
            info = zipfile.ZipInfo(prefix + entry.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, mode="w", force_zip64=True) as handle:
                async for chunk in entry.chunks:
                    handle.write(chunk)
                    if sink.size >= ZIP_FLUSH_BYTES:
                        yield sink.take()
            if sink.size:
                yield sink.take()
    tail = sink.take()
    if tail:
        yield tail

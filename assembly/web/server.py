"""How ``assembly serve`` runs uvicorn: limits that keep one client from tying up the server.

uvicorn closes idle keep-alive connections (``timeout_keep_alive``), caps the size of an
incomplete header block (``h11_max_incomplete_event_size``) and refuses work beyond
``limit_concurrency`` with 503, but it has no deadline for the headers themselves: a client
that opens a connection and sends nothing, or a header line every few seconds, keeps it open
for ever. ``HeaderDeadlineProtocol`` adds that deadline to uvicorn's own h11 protocol; the
body's deadline is the application's (``assembly.web.intake``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from assembly.settings import Settings

MAX_HEADER_BYTES = 16 * 1024
KEEP_ALIVE_SECONDS = 5


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers do not arrive in time.

    The class is passed to uvicorn by reference (with ``--workers`` it is pickled into each
    worker process), so its deadline is a class attribute: ``uvicorn_options`` sets it in the
    serving process, and a worker process that starts without it reads the settings again.
    """

    header_timeout: float | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        if HeaderDeadlineProtocol.header_timeout is None:
            HeaderDeadlineProtocol.header_timeout = Settings.from_env().header_timeout

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._waiting_for_headers():
            if self._header_deadline is None:  # the deadline runs from the first byte
                self._arm_header_deadline()
        else:
            self._cancel_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Between requests uvicorn's keep-alive timer takes over, until the next byte comes.
        self._cancel_header_deadline()

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm_header_deadline(self) -> None:
        self._cancel_header_deadline()
        timeout = self.header_timeout or Settings.header_timeout
        self._header_deadline = self.loop.call_later(timeout, self._headers_too_slow)

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.run`` that bound what a slow or greedy client holds."""
    HeaderDeadlineProtocol.header_timeout = settings.header_timeout
    return {
        "http": HeaderDeadlineProtocol,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "limit_concurrency": settings.max_connections,
    }

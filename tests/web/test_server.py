"""How ``assembly serve`` runs uvicorn, including with several worker processes."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from assembly.settings import Settings
from assembly.web import server


def test_the_protocol_reaches_worker_processes_with_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ``--workers 2`` pickles uvicorn's config into each worker: a class made on the fly
    # cannot be, and the server would never start.
    options = server.uvicorn_options(Settings(header_timeout=3.0))
    protocol = pickle.loads(pickle.dumps(options["http"]))
    assert protocol is server.HeaderDeadlineProtocol
    assert protocol.header_timeout == 3.0
    # A worker process starts without the serving process's class attribute and reads the
    # deadline from the settings in its environment.
    monkeypatch.setattr(server.HeaderDeadlineProtocol, "header_timeout", None)
    monkeypatch.setenv("ASSEMBLY_HEADER_TIMEOUT", "4")
    made: Any = server.HeaderDeadlineProtocol.__new__(server.HeaderDeadlineProtocol)
    monkeypatch.setattr(server.H11Protocol, "__init__", lambda self, *a, **k: None)
    made.__init__()
    assert server.HeaderDeadlineProtocol.header_timeout == 4.0

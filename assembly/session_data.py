"""How a session is kept in its store: the names the web edge writes and the retention erase
reads, in one place that imports no web code."""

from __future__ import annotations

SESSION_STORE = "sessions"  # the name of the store the sessions are kept in
RENEWED_KEY = "_written_at"  # stored with the data: when the store's expiry was last set
PARTICIPANTS_KEY = "participants"  # assembly id -> participant id, for each assembly joined

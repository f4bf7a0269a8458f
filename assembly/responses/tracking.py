"""How overdue a recommendation's follow-up is: one pure rule for the tracker and its feed.

- No response yet: overdue from the day after the date the response was due, if one was set.
- Not accepted: nothing was promised, so nothing is overdue.
- Under consideration: the promised date is when a decision is due.
- Accepted, in full or in part: overdue after the promised date until a status update says it
  was implemented or will not be pursued.

Pure: no database, no web.
"""

from __future__ import annotations

import datetime as dt

DONE = frozenset({"implemented", "not_pursued"})


def overdue_days(
    stance: str | None,
    promised_on: dt.date | None,
    latest_progress: str | None,
    response_due_on: dt.date | None,
    today: dt.date,
) -> int | None:
    """Days past the date that applies, or None when nothing is overdue."""
    if stance is None:
        due = response_due_on
    elif stance == "not_accepted":
        return None
    elif stance == "under_consideration":
        due = promised_on
    else:
        due = None if latest_progress in DONE else promised_on
    if due is None or today <= due:
        return None
    return (today - due).days

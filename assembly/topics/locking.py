"""The topic row lock that closing a topic and every ballot writer share.

Closing must not lose a vote. On PostgreSQL each ballot writer (the online vote writer's
batch, a paper-ballot entry, a replaced or changed ballot) reads its topic ``FOR SHARE`` and
checks the phase under that lock, and the close takes the same row ``FOR NO KEY UPDATE``.
A batch that read "voting" therefore commits before the close can mark the topic closed, and
a batch that comes after waits and then reads "closed": once the close has committed, no
ballot can enter the topic, and the seal that follows sees every ballot there is.

On SQLite the same rule holds through its single write lock: writers begin with
``BEGIN IMMEDIATE`` (``assembly.db.engine``), so the close and a batch never overlap. The
``FOR ...`` clauses are left out of SQLite's SQL by SQLAlchemy.

Lock strength: ``FOR SHARE`` lets batches from several workers run side by side;
``FOR NO KEY UPDATE`` is what an ``UPDATE`` of the phase takes anyway, and it does not block
inserts elsewhere that merely refer to the topic (their foreign keys take ``KEY SHARE``).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import Topic

# What decides whether ballots may enter: read again under the lock.
PHASE_COLUMNS = ("phase", "phase_schedule", "phase_changed_at", "ballots_published")


async def lock_topic(db: AsyncSession, topic: Topic, *, to_change: bool) -> None:
    """Lock the topic's row (shared to write ballots, exclusive to change it) and read its
    phase again under the lock; the instance's other attributes and loaders stay as they are.
    """
    await db.flush()  # changes of the caller's own are written first, not read over
    await db.refresh(
        topic,
        attribute_names=PHASE_COLUMNS,
        with_for_update={"read": not to_change, "key_share": to_change},
    )

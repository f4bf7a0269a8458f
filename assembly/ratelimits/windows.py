"""Room windows: a facilitator lifts the join ceiling for a venue's network for a while.

At a meeting everyone joins through the venue's one public address, and the address ceiling
(several times a browser's own limit) could refuse the last arrivals. A facilitator opens a
window for that network, by default their own address, for a few hours; each browser still
has its own limit. Opening and closing are audited.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from assembly.audit.services import record_event
from assembly.db.engine import autocommit_engine
from assembly.db.models import Assembly, RoomWindow
from assembly.errors import InvalidInput, NotFound
from assembly.i18n import _l
from assembly.ratelimits import rules

DURATIONS_MINUTES = (30, 60, 120, 240, 480)
DEFAULT_MINUTES = 120
# Narrower than this would be one building's addresses at most: a /16 is a whole city's ISP.
MIN_PREFIX = {4: 16, 6: 48}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def normalise_network(text: str) -> str:
    """The network as a CIDR block, or ``InvalidInput`` naming the field."""
    network = rules.parse_network(text)
    if network is None:
        raise InvalidInput(
            {"network": _l("Type an IP address (such as 192.0.2.10) or a network (192.0.2.0/24).")}
        )
    if network.prefixlen < MIN_PREFIX[network.version]:
        raise InvalidInput(
            {"network": _l("This network is too wide. Name only the venue's own addresses.")}
        )
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)  # one address: shown as people know it
    return str(network)


async def open_window(
    db: AsyncSession,
    assembly: Assembly,
    account_id: int,
    network_text: str,
    minutes: int,
    now: dt.datetime | None = None,
) -> RoomWindow:
    if minutes not in DURATIONS_MINUTES:
        raise InvalidInput({"minutes": _l("Choose how long the window stays open.")})
    network = normalise_network(network_text)
    now = now or _now()
    window = RoomWindow(
        assembly_id=assembly.id,
        network=network,
        opened_by_id=account_id,
        opens_at=now,
        ends_at=now + dt.timedelta(minutes=minutes),
    )
    db.add(window)
    await db.flush()
    await record_event(
        db,
        "rate_limit.room_window_opened",
        actor_kind="account",
        actor_id=account_id,
        assembly_id=assembly.id,
        subject=window,
        network=network,
        ends_at=window.ends_at.isoformat(),
    )
    return window


async def close_window(
    db: AsyncSession, assembly: Assembly, window_id: int, account_id: int
) -> RoomWindow:
    window = await db.get(RoomWindow, window_id)
    if window is None or window.assembly_id != assembly.id:
        raise NotFound()
    now = _now()
    if _aware(window.ends_at) > now:
        window.ends_at = now
        await record_event(
            db,
            "rate_limit.room_window_closed",
            actor_kind="account",
            actor_id=account_id,
            assembly_id=assembly.id,
            subject=window,
            network=window.network,
        )
    return window


async def open_windows(db: AsyncSession, assembly: Assembly) -> list[RoomWindow]:
    """The assembly's windows still open, the soonest to end first."""
    query = (
        select(RoomWindow)
        .where(RoomWindow.assembly_id == assembly.id, RoomWindow.ends_at > _now())
        .order_by(RoomWindow.ends_at)
    )
    return list((await db.scalars(query)).all())


async def _networks_open(connection: AsyncConnection, now: dt.datetime) -> list[str]:
    query = select(RoomWindow.network).where(RoomWindow.opens_at <= now, RoomWindow.ends_at > now)
    return list((await connection.scalars(query)).all())


class RoomCheck:
    """Is a join from this address inside an open room window? One plain read, no lock."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._reader = autocommit_engine(engine)

    async def __call__(self, address: str) -> bool:
        async with self._reader.connect() as connection:
            networks = await _networks_open(connection, _now())
        return any(rules.in_network(address, network) for network in networks)

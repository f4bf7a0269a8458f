"""Who is asking: the signed-in account, and the assemblies a citizen has joined.

Citizens have no account. Joining an assembly records its participant id in the session,
per assembly, so one browser can take part in several assemblies without mixing them.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.accounts.viewer import TakingPart, Viewer
from assembly.db.models import Account, Assembly, Participant
from assembly.db.models.assemblies import ENDED_STATUSES
from assembly.session_data import PARTICIPANTS_KEY

__all__ = ["TakingPart", "Viewer", "provide_viewer", "remember_participant"]


async def provide_viewer(request: Request[Any, Any, Any], db_session: AsyncSession) -> Viewer:
    found = request.scope.get("state", {}).get("viewer")
    if isinstance(found, Viewer):  # already worked out by a guard
        return found
    session = request.session if "session" in request.scope else {}
    account: Account | None = None
    account_id = session.get("account_id")
    if isinstance(account_id, int):
        account = await db_session.get(Account, account_id)
        if account is not None and not account.is_active:
            account = None
    raw = session.get(PARTICIPANTS_KEY) or {}
    participants = {int(k): int(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    viewer = Viewer(account=account)
    if participants:
        # A citizen's session counts while their assembly runs and they have not withdrawn.
        viewer.participants, viewer.taking_part = await _taking_part(db_session, participants)
    request.state.viewer = viewer
    return viewer


async def _taking_part(
    db: AsyncSession, participants: dict[int, int]
) -> tuple[dict[int, int], list[TakingPart]]:
    rows = await db.execute(
        select(
            Participant.id,
            Participant.assembly_id,
            Participant.pseudonym,
            Assembly.slug,
            Assembly.title,
        )
        .join(Assembly, Assembly.id == Participant.assembly_id)
        .where(
            Participant.id.in_(list(participants.values())),
            Participant.withdrawn_at.is_(None),
            Assembly.status.not_in(ENDED_STATUSES),
        )
        .order_by(Assembly.title)
    )
    valid: dict[int, int] = {}
    taking_part: list[TakingPart] = []
    for participant_id, assembly_id, pseudonym, slug, title in rows:
        if participants.get(assembly_id) == participant_id:
            valid[assembly_id] = participant_id
            taking_part.append(TakingPart(slug, title, pseudonym))
    return valid, taking_part


def remember_participant(
    request: Request[Any, Any, Any], assembly_id: int, participant_id: int
) -> None:
    participants = dict(request.session.get(PARTICIPANTS_KEY) or {})
    participants[str(assembly_id)] = participant_id
    request.session[PARTICIPANTS_KEY] = participants

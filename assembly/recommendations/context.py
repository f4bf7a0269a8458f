"""Loading for the drafting pages, as Litestar dependencies: the assembly the viewer may see,
its drafting process, and who the viewer is in it (facilitator, drafter, member)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.accounts.viewer import Viewer
from assembly.assemblies.services import get_visible_assembly, is_facilitator_of
from assembly.db.models import Assembly, DraftingProcess, Participant
from assembly.errors import NotAllowed
from assembly.participants.services import get_participant
from assembly.recommendations.lifecycle import prepare_write
from assembly.recommendations.services import Actor, get_process, is_drafter, phase_now


@dataclass
class DraftingContext:
    assembly: Assembly
    process: DraftingProcess
    participant: Participant | None
    actor: Actor

    @property
    def phase(self) -> str:
        return phase_now(self.process)

    @property
    def base(self) -> str:
        return f"/assemblies/{self.assembly.slug}/recommendations"

    def require_member(self) -> Participant:
        if self.participant is None:
            raise NotAllowed()
        return self.participant


async def _context(db: AsyncSession, viewer: Viewer, slug: str, write: bool) -> DraftingContext:
    assembly = await get_visible_assembly(db, slug, viewer, topics=False)
    participant = await get_participant(db, assembly, viewer.participant_in(assembly.id))
    facilitating = is_facilitator_of(viewer, assembly)
    actor = Actor(
        account_id=viewer.account.id if facilitating and viewer.account else None,
        participant_id=participant.id if participant else None,
        facilitator=facilitating,
        drafter=await is_drafter(db, participant.id) if participant else False,
    )
    process = await prepare_write(db, assembly) if write else await get_process(db, assembly)
    return DraftingContext(assembly, process, participant, actor)


async def provide_drafting(db_session: AsyncSession, viewer: Viewer, slug: str) -> DraftingContext:
    """For pages that read: nothing is written, the schedule is applied on the fly."""
    return await _context(db_session, viewer, slug, write=False)


async def provide_drafting_write(
    db_session: AsyncSession, viewer: Viewer, slug: str
) -> DraftingContext:
    """For requests that change something: planned phase starts are carried out first."""
    return await _context(db_session, viewer, slug, write=True)

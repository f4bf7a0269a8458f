"""Assembly rules: listing, access, creation and editing."""

from __future__ import annotations

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import Assembly, ResearchGrant
from assembly.web.auth import Viewer


async def list_public_assemblies(db: AsyncSession) -> list[Assembly]:
    query = select(Assembly).where(Assembly.status == "published").order_by(Assembly.title)
    return list((await db.scalars(query)).all())


async def list_assemblies_for(db: AsyncSession, viewer: Viewer) -> list[Assembly]:
    """Assemblies a signed-in account works on: all for admins, its own for the others."""
    account = viewer.require_account()
    query = select(Assembly).order_by(Assembly.created_at.desc())
    if viewer.is_admin:
        return list((await db.scalars(query)).all())
    if account.role == "researcher":
        granted = select(ResearchGrant.assembly_id).where(ResearchGrant.account_id == account.id)
        return list((await db.scalars(query.where(Assembly.id.in_(granted)))).all())
    return list(
        (await db.scalars(query.where(Assembly.facilitators.any(id=account.id)))).all()
    )


def is_facilitator_of(viewer: Viewer, assembly: Assembly) -> bool:
    if viewer.account is None:
        return False
    if viewer.is_admin:
        return True
    return viewer.is_facilitator and any(f.id == viewer.account.id for f in assembly.facilitators)


async def is_researcher_of(db: AsyncSession, viewer: Viewer, assembly: Assembly) -> bool:
    if viewer.account is None:
        return False
    if viewer.is_admin:
        return True
    if viewer.account.role != "researcher":
        return False
    grant = await db.scalar(
        select(ResearchGrant.id).where(
            ResearchGrant.assembly_id == assembly.id,
            ResearchGrant.account_id == viewer.account.id,
        )
    )
    return grant is not None


async def get_assembly(db: AsyncSession, slug: str) -> Assembly:
    assembly = await db.scalar(select(Assembly).where(Assembly.slug == slug))
    if assembly is None:
        raise NotFoundException()
    return assembly


async def get_visible_assembly(db: AsyncSession, slug: str, viewer: Viewer) -> Assembly:
    """An assembly the viewer may read: published ones for all, others for their people only.

    A draft is reported as missing rather than forbidden, so its existence does not leak.
    """
    assembly = await get_assembly(db, slug)
    if assembly.status == "published":
        return assembly
    if is_facilitator_of(viewer, assembly) or viewer.participant_in(assembly.id) is not None:
        return assembly
    if await is_researcher_of(db, viewer, assembly):
        return assembly
    raise NotFoundException()


async def get_managed_assembly(db: AsyncSession, slug: str, viewer: Viewer) -> Assembly:
    """An assembly the viewer facilitates; anyone else is refused."""
    viewer.require_facilitator()
    assembly = await get_assembly(db, slug)
    if not is_facilitator_of(viewer, assembly):
        raise PermissionDeniedException()
    return assembly

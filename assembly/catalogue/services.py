"""Reading the catalogue of spotlight areas and practices, and syncing it from the data file."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from assembly.catalogue.data import Catalogue, load_catalogue
from assembly.db.models import Practice, SpotlightArea
from assembly.i18n import _l

KIND_LABELS = {
    "research_project": _l("Research project"),
    "partner": _l("Partner"),
    "local_practice": _l("Local practice"),
    "municipal_practice": _l("Municipal practice"),
    "national_practice": _l("National practice"),
    "international_practice": _l("International practice"),
}


async def sync_catalogue(db: AsyncSession, catalogue: Catalogue | None = None) -> None:
    """Make the database match the packaged catalogue file (insert or update by slug)."""
    catalogue = catalogue or load_catalogue()
    areas = {a.slug: a for a in (await db.scalars(select(SpotlightArea))).all()}
    for position, item in enumerate(catalogue.areas):
        area = areas.get(item.slug) or SpotlightArea(slug=item.slug)
        area.position = position
        area.name_en, area.name_nb = item.name_en, item.name_nb
        area.summary_en, area.summary_nb = item.summary_en, item.summary_nb
        db.add(area)
        areas[item.slug] = area
    await db.flush()
    practices = {
        p.slug: p
        for p in (
            await db.scalars(select(Practice).options(selectinload(Practice.spotlight_areas)))
        ).all()
    }
    for position, entry in enumerate(catalogue.practices):
        practice = practices.get(entry.slug) or Practice(slug=entry.slug)
        practice.position = position
        practice.kind = entry.kind
        practice.title_en, practice.title_nb = entry.title_en, entry.title_nb
        practice.place = entry.place
        practice.description_en, practice.description_nb = (
            entry.description_en,
            entry.description_nb,
        )
        practice.links = [{"label": link.label, "url": link.url} for link in entry.links]
        practice.spotlight_areas = [areas[slug] for slug in entry.areas]
        db.add(practice)
    await db.flush()


async def list_areas(db: AsyncSession) -> list[SpotlightArea]:
    return list((await db.scalars(select(SpotlightArea).order_by(SpotlightArea.position))).all())


async def get_area(db: AsyncSession, slug: str) -> SpotlightArea | None:
    return await db.scalar(select(SpotlightArea).where(SpotlightArea.slug == slug))


async def list_practices(
    db: AsyncSession, area: str | None = None, kind: str | None = None
) -> list[Practice]:
    query = select(Practice).order_by(Practice.position)
    if area:
        query = query.where(Practice.spotlight_areas.any(SpotlightArea.slug == area))
    if kind:
        query = query.where(Practice.kind == kind)
    return list((await db.scalars(query)).all())


async def get_practice(db: AsyncSession, slug: str) -> Practice | None:
    return await db.scalar(select(Practice).where(Practice.slug == slug))

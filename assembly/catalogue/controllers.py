"""Public pages of the catalogue: spotlight areas and promising practices."""

from __future__ import annotations

from litestar import Controller, get
from litestar.exceptions import NotFoundException
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.catalogue import services
from assembly.web.auth import Viewer
from assembly.web.templating import page


class CatalogueController(Controller):
    @get("/areas/{slug:str}", name="area")
    async def area(self, slug: str, db_session: AsyncSession, viewer: Viewer) -> Template:
        area = await services.get_area(db_session, slug)
        if area is None:
            raise NotFoundException()
        practices = await services.list_practices(db_session, area=slug)
        return page(
            "catalogue/area.html", area=area, practices=practices, kinds=services.KIND_LABELS
        )

    @get("/practices", name="practices")
    async def practices(
        self,
        db_session: AsyncSession,
        viewer: Viewer,
        area: str | None = None,
        kind: str | None = None,
    ) -> Template:
        areas = await services.list_areas(db_session)
        area = area if area in {a.slug for a in areas} else None
        kind = kind if kind in services.KIND_LABELS else None
        practices = await services.list_practices(db_session, area=area, kind=kind)
        return page(
            "catalogue/practices.html",
            areas=areas,
            practices=practices,
            kinds=services.KIND_LABELS,
            selected_area=area or "",
            selected_kind=kind or "",
        )

    @get("/practices/{slug:str}", name="practice")
    async def practice(self, slug: str, db_session: AsyncSession, viewer: Viewer) -> Template:
        practice = await services.get_practice(db_session, slug)
        if practice is None:
            raise NotFoundException()
        return page("catalogue/practice.html", practice=practice, kinds=services.KIND_LABELS)

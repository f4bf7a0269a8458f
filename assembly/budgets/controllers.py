"""The facilitator's costs page of a budget topic: one field per project, no ids typed."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import get_managed_assembly
from assembly.budgets import services
from assembly.budgets.forms import read_costs
from assembly.db.models import Assembly, Topic
from assembly.errors import InvalidInput
from assembly.topics.services import get_topic
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.templating import page


async def _load(
    db: AsyncSession, viewer: Viewer, slug: str, topic_slug: str
) -> tuple[Assembly, Topic]:
    assembly = await get_managed_assembly(db, slug, viewer)
    topic = await get_topic(db, assembly, topic_slug)
    if not services.is_budget(topic):
        raise NotFoundException()
    return assembly, topic


async def _costs_page(
    db: AsyncSession,
    assembly: Assembly,
    topic: Topic,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, Any] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Template:
    rows = await services.cost_rows(db, topic)
    stored = {services.cost_field(r.id): str(r.cost) if r.cost else "" for r in rows}
    counted = [r.cost for r in rows if r.status == "visible" and r.cost]
    budget = (topic.voting_params or {}).get("budget")
    phase = topic.phase
    return page(
        "budgets/costs.html",
        status_code=status_code,
        assembly=assembly,
        topic=topic,
        rows=rows,
        values={**stored, **(values or {})},
        errors=errors or {},
        saved=saved,
        budget=budget,
        total=sum(counted),
        missing=sum(1 for r in rows if r.status == "visible" and not r.cost),
        editable=phase in ("draft", "proposals", "deliberation"),
        base=f"/manage/assemblies/{assembly.slug}/topics/{topic.slug}",
    )


class BudgetCostsController(Controller):
    path = "/manage/assemblies/{slug:str}/topics/{topic_slug:str}"

    @get("/costs", name="budget_costs")
    async def form(
        self, slug: str, topic_slug: str, viewer: Viewer, db_session: AsyncSession, saved: int = 0
    ) -> Template:
        assembly, topic = await _load(db_session, viewer, slug, topic_slug)
        return await _costs_page(db_session, assembly, topic, saved=bool(saved))

    @post("/costs", name="budget_costs_submit")
    async def submit(
        self,
        slug: str,
        topic_slug: str,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        assembly, topic = await _load(db_session, viewer, slug, topic_slug)
        form = await read_form(request)
        values = {key: value for key, value in form.values.items() if key.startswith("cost-")}
        try:
            costs = read_costs(values)
            await services.set_costs(db_session, topic, costs, viewer.require_account().id)
        except InvalidInput as exc:
            return await _costs_page(
                db_session, assembly, topic, values=values, errors=exc.errors, status_code=400
            )
        url = f"/manage/assemblies/{assembly.slug}/topics/{topic.slug}/costs?saved=1"
        return Redirect(url, status_code=303)

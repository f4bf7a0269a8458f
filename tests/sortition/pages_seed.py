"""Shared set-up for the lottery and table page tests: a small pool, quotas, and forms."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from typing import Any

from conftest import TEST_SECRET
from helpers import csrf_token
from litestar.testing import TestClient
from sqlalchemy import select

from assembly.db.models import BackgroundJob, PanelMember, SortitionSelection
from assembly.settings import Settings
from assembly.sortition.forms import feature_columns
from assembly.sortition.selection import (
    SelectionError,
    SelectionResult,
    draw_panel,
    parse_pool,
)
from assembly.sortition.services import create_selection, record_draw

PANEL_SIZE = 10
SEED = 4242
QUOTAS = {  # feature -> value -> (min, max)
    "gender": {"female": (4, 6), "male": (4, 6)},
    "area": {"rural": (3, 5), "urban": (5, 7)},
}
QUOTAS_CSV = "feature,value,min,max\n" + "".join(
    f"{feature},{value},{low},{high}\n"
    for feature, values in QUOTAS.items()
    for value, (low, high) in values.items()
)


def make_pool(size: int = 70, seed: int = 11) -> str:
    """Pool CSV: id, a name (not a feature), gender, area and a household key."""
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "name", "gender", "area", "household"])
    for i in range(size):
        household = f"h{i // 2}" if i < 10 else f"h{i}"  # a few couples share a household
        writer.writerow(
            [
                f"p{i:02d}",
                f"Person {i}",
                rng.choice(["female", "male"]),
                rng.choices(["urban", "rural"], weights=[60, 40])[0],
                household,
            ]
        )
    return buffer.getvalue()


POOL_CSV = make_pool()


def settings_for(database_url: str) -> Settings:
    """Test settings with the job runner off: the tests run jobs by hand."""
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        rate_limit_per_minute=1000,
        jobs_enabled=False,
    )


def quota_fields(pool_csv: str = POOL_CSV, quotas: dict[str, Any] | None = None) -> dict[str, str]:
    """The quota form's boxes, filled in as a facilitator would."""
    quotas = QUOTAS if quotas is None else quotas
    columns, _ = feature_columns(parse_pool(pool_csv, household_column="household"))
    fields: dict[str, str] = {}
    for column in columns:
        for item in column.values:
            bounds = quotas.get(column.name, {}).get(item.value)
            if bounds is not None:
                fields[column.field(item.index, "min")] = str(bounds[0])
                fields[column.field(item.index, "max")] = str(bounds[1])
    return fields


def upload(
    client: TestClient[Any],
    url: str,
    fields: dict[str, str],
    files: dict[str, tuple[str, bytes, str]],
    form_page: str | None = None,
) -> Any:
    """A multipart form post with its CSRF token, as a browser sends a file upload."""
    token = csrf_token(client, form_page or url)
    return client.post(
        url,
        data={**fields, "_csrf_token": token},
        files=files,
        follow_redirects=False,
    )


def selection_id_from(location: str) -> int:
    found = re.search(r"/sortition/(\d+)/", location)
    assert found, location
    return int(found.group(1))


_DRAWS: dict[str, SelectionResult | SelectionError] = {}


def memo_draw(pool: Any, quotas: Any, panel_size: int, **options: Any) -> SelectionResult:
    """`draw_panel`, remembered by its inputs: a draw is deterministic, and each takes seconds.

    Tests that go through the draw job swap this in, so the same draw on SQLite and on
    PostgreSQL (and in the report tests) is solved once per test run. A draw that fails
    fails again the same way.
    """
    progress = options.pop("progress", None)
    options.pop("timeout", None)
    key = json.dumps([pool, quotas, panel_size, options], sort_keys=True, default=str)
    if key not in _DRAWS:
        try:
            _DRAWS[key] = draw_panel(pool, quotas, panel_size, progress=progress, **options)
        except SelectionError as error:
            _DRAWS[key] = error
    elif progress is not None:
        progress("Done")
    found = _DRAWS[key]
    if isinstance(found, SelectionError):
        raise SelectionError(found.problems)
    return found


def cached_draw() -> SelectionResult:
    """The shared draw: the pool, quotas and seed the flow test enters in the browser."""
    from assembly.sortition.forms import parse_quotas_file

    return memo_draw(
        POOL_CSV,
        parse_quotas_file(QUOTAS_CSV),
        PANEL_SIZE,
        seed=SEED,
        algorithm="maximin",
        household_column="household",
    )


def seed_drawn_selection(db: Any, assembly_id: int, actor_id: int | None = None) -> int:
    """A drawn selection stored as the draw job would store it, from the shared draw."""
    from assembly.db.models import Assembly
    from assembly.sortition.forms import parse_quotas_file

    result = cached_draw()

    async def work(s: Any) -> int:
        assembly = await s.get(Assembly, assembly_id)
        selection = await create_selection(s, assembly, POOL_CSV, "household", actor_id)
        selection.quotas = parse_quotas_file(QUOTAS_CSV)
        selection.panel_size = PANEL_SIZE
        selection.seed = SEED
        selection.algorithm = "maximin"
        selection.status = "queued"
        await s.flush()
        assert await record_draw(s, selection, result)
        return int(selection.id)

    return int(db(work))


def members(db: Any, selection_id: int) -> list[PanelMember]:
    async def work(s: Any) -> list[PanelMember]:
        rows = await s.scalars(
            select(PanelMember)
            .where(PanelMember.selection_id == selection_id)
            .order_by(PanelMember.status, PanelMember.position, PanelMember.id)
        )
        return list(rows.all())

    return db(work)


def selection(db: Any, selection_id: int) -> SortitionSelection:
    return db(lambda s: s.get(SortitionSelection, selection_id))


def count(db: Any, model: Any) -> int:
    async def work(s: Any) -> int:
        return len((await s.scalars(select(model.id))).all())

    return int(db(work))


def jobs(db: Any) -> list[BackgroundJob]:
    async def work(s: Any) -> list[BackgroundJob]:
        return list((await s.scalars(select(BackgroundJob).order_by(BackgroundJob.id))).all())

    return db(work)


def add_participants(
    db: Any, assembly_id: int, answers: list[dict[str, str] | None], first: int = 1
) -> list[int]:
    """Participants with consented answers (a dict) or none (None: declined)."""
    from assembly.db.models import Participant

    async def work(s: Any) -> list[int]:
        ids = []
        for number, given in enumerate(answers, start=first):
            person = Participant(
                assembly_id=assembly_id,
                pseudonym=f"Heron {number}",
                demographics_consent=given is not None,
                demographics=given or {},
            )
            s.add(person)
            await s.flush()
            ids.append(int(person.id))
        return ids

    return list(db(work))


def seed_plan(db: Any, assembly_id: int, *, rounds: int = 2, tables: int = 2) -> int:
    """A table plan of the assembly's participants, made through the service."""
    from assembly.db.models import Assembly
    from assembly.tables.forms import TablePlanForm
    from assembly.tables.services import create_table_plan

    async def work(s: Any) -> int:
        assembly = await s.get(Assembly, assembly_id)
        form = TablePlanForm("Evening", "participants", rounds, tables, None, 3)
        plan = await create_table_plan(s, assembly, form, None)
        return int(plan.id)

    return int(db(work))


def draft_selection(db: Any, assembly_id: int) -> int:
    from assembly.db.models import Assembly

    async def work(s: Any) -> int:
        assembly = await s.get(Assembly, assembly_id)
        selection = await create_selection(s, assembly, POOL_CSV, "household", None)
        return int(selection.id)

    return int(db(work))

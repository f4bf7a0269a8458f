"""The first stages of a scenario run: the facilitator, the assembly and its topics, and the
civic lottery (pool upload, the draw job and the panel's invitations).
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.forms import AssemblyInput, QuestionInput
from assembly.errors import InvalidInput
from assembly.scenarios.report import (
    ScenarioRunError,
    new_password,
)
from assembly.scenarios.run_base import (
    DRAW_WAIT,
    RunBase,
    demographic_questions,
)
from assembly.scenarios.schema import TopicSpec


class SetupStage(RunBase):
    """Set-up and sortition: what exists before anyone joins."""

    # --- sortition ----------------------------------------------------------------------------

    def _pool_csv(self) -> str:
        rows = self.plan.pool_rows()
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()

    async def _start_draw(self, db: AsyncSession, assembly: Any) -> None:
        """Upload the pool and start the draw, as the facilitator does on the sortition pages."""
        from assembly.sortition.forms import DrawSettings
        from assembly.sortition.selection import MAX_SEED
        from assembly.sortition.services import create_selection, start_draw

        panel = self.scenario.panel
        selection = await create_selection(
            db, assembly, self._pool_csv(), "household", self.facilitator_id
        )
        settings = DrawSettings(
            panel_size=panel.panel_size,
            seed=self.plan.seed % MAX_SEED or MAX_SEED,
            algorithm=panel.algorithm,
        )
        quotas: list[dict[str, Any]] = [dict(row) for row in panel.quota_rows()]
        await start_draw(db, assembly, selection, settings, quotas, self.facilitator_id)
        self.selection_id = selection.id

    async def _draw(self) -> None:
        """Run the queued draw (the background job), then invite the panel it drew.

        A server's own job runner may take the job first; then the run waits for it.
        """
        from assembly.jobs.runner import run_pending
        from assembly.sortition.selection import SelectionResult

        self._report("sortition", 0, 1)
        deadline = time.monotonic() + DRAW_WAIT
        await run_pending(self.settings)
        selection = await self._session(self._selection_state)
        while selection[0] == "queued" and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            await run_pending(self.settings)
            selection = await self._session(self._selection_state)
        status, data, error = selection
        if status != "drawn" or not data:
            raise ScenarioRunError(f"the panel cannot be drawn: {error or status}")
        result = SelectionResult.from_dict(data)
        self.plan = self.plan.with_panel(result.panel)
        self.panel_codes = await self._session(self._invite_panel)
        self.sortition_info = {
            "selection_id": self.selection_id,
            "panel": list(result.panel),
            "seed": result.seed,
            "algorithm": result.algorithm,
            "pool_size": result.pool_size,
            "panel_size": result.panel_size,
            "min_probability": result.min_probability,
            "ideal_probability": result.ideal_probability,
            "panel_sha256": result.record.get("panel_sha256"),
        }
        self._report("sortition", 1, 1)

    async def _selection_state(self, db: AsyncSession) -> tuple[str, Any, str]:
        from assembly.db.models import SortitionSelection

        selection = await db.get(SortitionSelection, self.selection_id)
        assert selection is not None
        return selection.status, selection.result, selection.error

    async def _invite_panel(self, db: AsyncSession) -> dict[str, str]:
        """Invite codes for the drawn panel, by pool id (the sortition service labels them)."""
        from assembly.db.models import Assembly, SortitionSelection
        from assembly.sortition.services import issue_panel_invitations

        assembly = await db.get(Assembly, self.assembly_id)
        selection = await db.get(SortitionSelection, self.selection_id)
        assert assembly is not None
        assert selection is not None
        try:
            issued = await issue_panel_invitations(
                db, assembly, selection, self.settings.secret_key, self.facilitator_id
            )
        except InvalidInput as error:
            raise ScenarioRunError(f"the panel cannot be invited: {error}") from error
        self.counts["invite_codes"] += len(issued)
        return {item.invite.label: item.code for item in issued}

    # --- set-up -------------------------------------------------------------------------------

    async def _setup(self, db: AsyncSession) -> None:
        from assembly.accounts.services import create_account
        from assembly.assemblies.services import create_assembly
        from assembly.db.models import Account, Assembly
        from assembly.forms_common import normalise_email

        self._report("setup", 0, len(self.scenario.topics) + 1)
        demo = self.scenario.demo
        email = normalise_email(demo.facilitator_email)
        account = await db.scalar(select(Account).where(Account.email == email))
        try:
            if account is None:
                password = self.password or new_password()
                account = await create_account(
                    db, email, password, "facilitator", demo.facilitator_name
                )
                self.created_password = password
            elif account.role not in ("facilitator", "admin") or not account.is_active:
                raise ScenarioRunError(f"{email} exists but is not an active facilitator account")
            spec = self.scenario.assembly
            slug = await self._free_assembly_slug(db, Assembly)
            questions = [
                QuestionInput(q["label"], q["options"], q["key"], q["optional"])
                for q in demographic_questions(self.scenario)
            ]
            assembly = await create_assembly(
                db,
                account,
                AssemblyInput(
                    title=spec.title,
                    slug=slug,
                    place=spec.place,
                    language=spec.language,
                    time_zone=spec.time_zone,
                    description=spec.description,
                    questions=questions,
                    status="draft",
                ),
            )
        except InvalidInput as error:
            raise ScenarioRunError(f"the assembly cannot be created: {error}") from error
        self.facilitator_id = account.id
        self.facilitator_email = account.email
        self.assembly_id = assembly.id
        self.assembly_slug = assembly.slug
        self._report("setup", 1, len(self.scenario.topics) + 1)
        for number, topic in enumerate(self.scenario.topics, start=2):
            await self._create_topic(db, assembly, topic)
            self._report("setup", number, len(self.scenario.topics) + 1)
        if self.use_sortition:
            try:
                await self._start_draw(db, assembly)
            except InvalidInput as error:
                raise ScenarioRunError(f"the draw cannot start: {error}") from error

    async def _free_assembly_slug(self, db: AsyncSession, model: Any) -> str:
        base = self.scenario.slug[:70].strip("-")
        candidate, number = base, 1
        while await db.scalar(select(model.id).where(model.slug == candidate)) is not None:
            number += 1
            candidate = f"{base}-{number}"
        return candidate

    async def _create_topic(self, db: AsyncSession, assembly: Any, spec: TopicSpec) -> None:
        from assembly.db.models import Practice, SpotlightArea
        from assembly.topics.forms import import_values
        from assembly.topics.services import RESERVED_TOPIC_SLUGS, create_topic

        area = await db.scalar(
            select(SpotlightArea).where(SpotlightArea.slug == spec.spotlight_area)
        )
        if area is None:
            raise ScenarioRunError(
                f"spotlight area {spec.spotlight_area!r} is not in the database "
                "(is the catalogue synced? `assembly db upgrade` does it)"
            )
        practice_ids = []
        for slug in spec.practices:
            practice_id = await db.scalar(select(Practice.id).where(Practice.slug == slug))
            if practice_id is None:
                self.warnings.append(
                    f"topic {spec.slug}: practice {slug!r} is not in the catalogue"
                )
                continue
            practice_ids.append(str(practice_id))
        values = {
            "question": spec.question,
            "background": spec.background,
            "spotlight_area": str(area.id),
            "voting_method": spec.voting_method,
            "seats": str(spec.seats),
            # A budget's costs go on its proposals once they exist (see the runner).
            **import_values({k: v for k, v in spec.voting_params.items() if k != "costs"}),
            "ballot_secrecy": spec.ballot,
            "phase": "draft",
        }
        try:
            topic = await create_topic(db, assembly, values, practice_ids, self.facilitator_id)
        except InvalidInput as error:
            raise ScenarioRunError(f"topic {spec.slug!r} cannot be created: {error}") from error
        # The scenario's slug is the topic's address; the service would derive a long one.
        if spec.slug not in RESERVED_TOPIC_SLUGS:
            topic.slug = spec.slug
            await db.flush()
        self.topic_ids[spec.slug] = topic.id

    # --- participants -------------------------------------------------------------------------

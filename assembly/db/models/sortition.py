"""Panel selection by sortition, background jobs, table plans and table notes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntAuditBase, DateTimeUTC, JsonB

JOB_STATUSES = ("queued", "running", "done", "failed")
PANEL_MEMBER_STATUSES = ("selected", "alternate", "dropped", "replacement")


class BackgroundJob(BigIntAuditBase):
    """Work too long for a request (a large draw); its state survives a restart."""

    __tablename__ = "background_jobs"

    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    progress: Mapped[str] = mapped_column(String(200), default="")
    assembly_id: Mapped[int | None] = mapped_column(
        ForeignKey("assemblies.id", ondelete="CASCADE"), nullable=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonB, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)


class SortitionSelection(BigIntAuditBase):
    """One stratified draw: its inputs, settings and outcome, enough to re-run it."""

    __tablename__ = "sortition_selections"

    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft, queued, drawn, failed
    pool_csv: Mapped[str] = mapped_column(Text, default="")
    quotas: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    panel_size: Mapped[int] = mapped_column(Integer, default=0)
    seed: Mapped[int] = mapped_column(Integer, default=1)
    algorithm: Mapped[str] = mapped_column(String(20), default="maximin")
    household_column: Mapped[str] = mapped_column(String(100), default="")
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("background_jobs.id", ondelete="SET NULL"), nullable=True
    )
    # Panel, alternates, probabilities, quota table and the reproducibility record.
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonB, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")


class PanelMember(BigIntAuditBase):
    __tablename__ = "panel_members"

    selection_id: Mapped[int] = mapped_column(
        ForeignKey("sortition_selections.id", ondelete="CASCADE"), index=True
    )
    pool_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default="selected")
    position: Mapped[int] = mapped_column(Integer, default=0)
    features: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("panel_members.id", ondelete="SET NULL"), nullable=True
    )
    invite_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("invite_codes.id", ondelete="SET NULL"), nullable=True
    )


class TablePlan(BigIntAuditBase):
    """Small-group tables over several rounds, balanced and rotated."""

    __tablename__ = "table_plans"

    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    table_count: Mapped[int] = mapped_column(Integer, default=1)
    round_count: Mapped[int] = mapped_column(Integer, default=1)
    # {"rounds": [[[participant ids of table 1], ...], ...], "features": [...]}
    plan: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)


class TableNote(BigIntAuditBase):
    """What one table said in one round: key points, agreements and dissent."""

    __tablename__ = "table_notes"

    table_plan_id: Mapped[int] = mapped_column(
        ForeignKey("table_plans.id", ondelete="CASCADE"), index=True
    )
    round_number: Mapped[int] = mapped_column(Integer)
    table_number: Mapped[int] = mapped_column(Integer)
    key_points: Mapped[str] = mapped_column(Text, default="")
    agreements: Mapped[str] = mapped_column(Text, default="")
    dissent: Mapped[str] = mapped_column(Text, default="")
    proposal_ids: Mapped[list[int]] = mapped_column(JsonB, default=list)
    author_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )

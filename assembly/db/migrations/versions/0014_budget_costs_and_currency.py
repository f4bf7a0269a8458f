"""budget costs on proposals, and the assembly's currency

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-07 16:00:00

A budget topic's costs move from the method parameter ``costs`` (keyed by proposal ids) to
the proposals themselves: ``cost`` is the facilitator's figure, ``estimated_cost`` the
author's estimate. Existing costs are carried over and removed from the parameters.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _params(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return dict(value) if isinstance(value, dict) else {}


def _whole(value: Any) -> int | None:
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return None
    return round(amount) if amount > 0 else None


def upgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        batch.add_column(sa.Column("cost", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("estimated_cost", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("assemblies") as batch:
        batch.add_column(
            sa.Column("currency", sa.String(length=3), server_default="NOK", nullable=False)
        )
    bind = op.get_bind()
    topics = sa.table(
        "topics", sa.column("id", sa.BigInteger), sa.column("voting_params", JSON)
    )
    proposals = sa.table(
        "proposals",
        sa.column("id", sa.BigInteger),
        sa.column("topic_id", sa.BigInteger),
        sa.column("cost", sa.BigInteger),
    )
    rows = bind.execute(sa.select(topics.c.id, topics.c.voting_params)).all()
    for topic_id, raw in rows:
        params = _params(raw)
        costs = params.pop("costs", None)
        if costs is None:
            continue
        if isinstance(costs, dict):
            for key, value in costs.items():
                amount = _whole(value)
                if str(key).isdigit() and amount is not None:
                    bind.execute(
                        proposals.update()
                        .where(proposals.c.id == int(key), proposals.c.topic_id == topic_id)
                        .values(cost=amount)
                    )
        bind.execute(topics.update().where(topics.c.id == topic_id).values(voting_params=params))


def downgrade() -> None:
    bind = op.get_bind()
    topics = sa.table(
        "topics",
        sa.column("id", sa.BigInteger),
        sa.column("voting_method", sa.String),
        sa.column("voting_params", JSON),
    )
    proposals = sa.table(
        "proposals",
        sa.column("id", sa.BigInteger),
        sa.column("topic_id", sa.BigInteger),
        sa.column("cost", sa.BigInteger),
    )
    for topic_id, raw in bind.execute(
        sa.select(topics.c.id, topics.c.voting_params).where(topics.c.voting_method == "budget")
    ).all():
        params = _params(raw)
        costs = {
            str(pid): cost
            for pid, cost in bind.execute(
                sa.select(proposals.c.id, proposals.c.cost).where(
                    proposals.c.topic_id == topic_id, proposals.c.cost.is_not(None)
                )
            ).all()
        }
        if costs:
            params["costs"] = costs
            bind.execute(
                topics.update().where(topics.c.id == topic_id).values(voting_params=params)
            )
    with op.batch_alter_table("assemblies") as batch:
        batch.drop_column("currency")
    with op.batch_alter_table("proposals") as batch:
        batch.drop_column("estimated_cost")
        batch.drop_column("cost")

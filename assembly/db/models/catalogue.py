"""Spotlight areas and promising practices, synced from the packaged catalogue file."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assembly.db.models.base import BigIntBase, JsonB, metadata

practice_spotlight_areas = Table(
    "practice_spotlight_areas",
    metadata,
    Column("practice_id", ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "spotlight_area_id", ForeignKey("spotlight_areas.id", ondelete="CASCADE"), primary_key=True
    ),
)


class SpotlightArea(BigIntBase):
    __tablename__ = "spotlight_areas"

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name_en: Mapped[str] = mapped_column(String(200))
    name_nb: Mapped[str] = mapped_column(String(200))
    summary_en: Mapped[str] = mapped_column(Text, default="")
    summary_nb: Mapped[str] = mapped_column(Text, default="")

    def name(self, locale: str) -> str:
        return self.name_nb if locale == "nb" else self.name_en


class Practice(BigIntBase):
    __tablename__ = "practices"

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(40))
    title_en: Mapped[str] = mapped_column(String(400))
    title_nb: Mapped[str] = mapped_column(String(400))
    place: Mapped[str] = mapped_column(String(200), default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_nb: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    spotlight_areas: Mapped[list[SpotlightArea]] = relationship(
        secondary=practice_spotlight_areas, lazy="selectin", order_by=SpotlightArea.position
    )

    def title(self, locale: str) -> str:
        return self.title_nb if locale == "nb" else self.title_en

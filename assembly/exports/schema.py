"""The building blocks of a research export's tables: fields, keys and tables, described once
so that the Data Package descriptor and the README codebook are generated from the same
definitions (``assembly.exports.datapackage``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
PSEUDONYM_PATTERN = "^p_[0-9a-f]{16}$"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # integer, number, string, boolean, datetime, object, array
    description: str
    required: bool = False
    unique: bool = False
    enum: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None

    def descriptor(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        out["description"] = self.description
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.unique:
            constraints["unique"] = True
        if self.enum is not None:
            constraints["enum"] = list(self.enum)
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.maximum is not None:
            constraints["maximum"] = self.maximum
        if self.pattern is not None:
            constraints["pattern"] = self.pattern
        if constraints:
            out["constraints"] = constraints
        return out

    def codebook_constraints(self) -> str:
        parts: list[str] = []
        if self.required:
            parts.append("required")
        if self.unique:
            parts.append("unique")
        if self.enum is not None:
            shown = [repr(v) if v == "" else str(v) for v in self.enum]
            parts.append("one of " + ", ".join(f"`{v}`" for v in shown))
        if self.minimum is not None:
            parts.append(f"≥ {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"≤ {self.maximum:g}")
        if self.pattern is not None:
            parts.append(f"matches `{self.pattern}`")
        return "; ".join(parts)


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str  # "" for the table itself
    reference: tuple[str, ...]

    def descriptor(self, own: str) -> dict[str, Any]:
        reference: dict[str, Any] = {"fields": list(self.reference)}
        if self.resource and self.resource != own:
            reference["resource"] = self.resource
        return {"fields": list(self.fields), "reference": reference}


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    # Only in the package when the assembly has such data (a sortition draw).
    optional: bool = False

    @property
    def header(self) -> list[str]:
        return [f.name for f in self.fields]

    def path(self, suffix: str = ".csv") -> str:
        return f"{self.name}{suffix}"

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "$schema": SCHEMA_PROFILE,
            "fields": [f.descriptor() for f in self.fields],
            "missingValues": [""],
        }
        if self.primary_key:
            schema["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            schema["foreignKeys"] = [fk.descriptor(self.name) for fk in self.foreign_keys]
        return schema


def fk(column: str, resource: str, target: str | None = None) -> ForeignKey:
    return ForeignKey((column,), resource, (target or column,))


def participant_field(description: str, required: bool = False) -> Field:
    return Field(
        "participant_id", "string", description, required=required, pattern=PSEUDONYM_PATTERN
    )


CREATED = Field("created_at", "datetime", "When the record was made (UTC, ISO 8601).")

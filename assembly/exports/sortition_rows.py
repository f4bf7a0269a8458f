"""The civic lottery in an export: each draw, its selection probabilities and its quotas, with
the pool members under keyed pseudonyms and small quota cells suppressed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from assembly.exports.base import (
    ExportBase,
)
from assembly.exports.privacy import (
    suppress_table,
)
from assembly.exports.streaming import (
    BATCH_SIZE,
)


def public_record(record: Any) -> Any:
    """A draw's reproducibility record without its lists: those name pool members (the panel,
    the alternates) by their pool ids, which may be registry numbers. Hashes, versions, the
    seed and the rules stay, which is what re-running the draw needs besides the inputs."""
    if isinstance(record, dict):
        return {
            str(key): public_record(value)
            for key, value in record.items()
            if not isinstance(value, list | tuple)
        }
    return record


class SortitionRows(ExportBase):
    """The sortition tables of the package."""

    def _selection_rows(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for selection in self.selections:
            result = selection.result or {}
            summary = result.get("summary") or {}
            probabilities = result.get("probabilities") or {}
            rows.append(
                (
                    selection.id,
                    selection.assembly_id,
                    selection.status,
                    result.get("algorithm", selection.algorithm),
                    result.get("seed", selection.seed),
                    result.get("panel_size", selection.panel_size),
                    summary.get("pool_size", len(probabilities)),
                    summary.get("min_probability"),
                    summary.get("mean_probability"),
                    summary.get("ideal_probability"),
                    public_record(result.get("record") or {}),
                )
            )
        return rows

    async def _probabilities(self) -> AsyncIterator[list[tuple[Any, ...]]]:
        for selection in self.selections:
            result = selection.result or {}
            panel = {str(p) for p in result.get("panel") or []}
            alternates = {str(p) for p in result.get("alternates") or []}
            rows = []
            for pool_id, probability in (result.get("probabilities") or {}).items():
                key = str(pool_id)
                outcome = (
                    "panel"
                    if key in panel
                    else ("alternate" if key in alternates else "not_selected")
                )
                person = self.person(f"{selection.id}:{key}")
                rows.append((selection.id, person, min(1.0, max(0.0, float(probability))), outcome))
            rows.sort(key=lambda row: row[1] or "")
            for start in range(0, len(rows), BATCH_SIZE):
                yield rows[start : start + BATCH_SIZE]

    def _quota_rows(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        k = self.options.k
        for selection in self.selections:
            table = (selection.result or {}).get("quota_table") or []
            by_feature: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for entry in table:
                by_feature[str(entry.get("feature", ""))].append(entry)
            for feature, entries in by_feature.items():
                values = [str(e.get("value", "")) for e in entries]
                shown: dict[str, list[int | None]] = {}
                for measure in ("selected", "pool"):
                    name = f"sortition_quotas/{selection.id}/{feature}"
                    result = suppress_table(
                        name,
                        values,
                        [measure],
                        [[int(e.get(measure) or 0)] for e in entries],
                        k,
                        row_totals=False,
                    )
                    shown[measure] = [line[0] for line in result.cells]
                    self._log(result.suppressed, "sortition_quotas", f"{selection.id}/{feature}")
                for i, e in enumerate(entries):
                    rows.append(
                        (
                            selection.id,
                            feature,
                            values[i],
                            e.get("min"),
                            e.get("max"),
                            shown["selected"][i],
                            shown["pool"][i],
                        )
                    )
        return rows

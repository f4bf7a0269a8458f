"""Replacing a panel member who dropped out by the first alternate who keeps every quota."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assembly.sortition.inputs import (
    Pool,
    Quota,
    Replacement,
    SelectionError,
    breach_text,
    listing,
    prepare,
    problem,
    quota_breaches,
    quota_counts,
    quota_excess,
)


def replace_member(
    pool: str | Iterable[Mapping[str, Any]] | Pool,
    quotas: str | Iterable[Mapping[str, Any]] | Sequence[Quota],
    panel_ids: Sequence[str],
    dropped_id: str,
    alternates: Sequence[str],
    *,
    household_column: str | None = None,
    allow_partial: bool = False,
) -> Replacement:
    """Replace ``dropped_id`` with the first alternate who keeps every quota met.

    The replacement takes the dropped member's place in the panel order and leaves the
    alternates list. Alternates already on the panel, missing from the pool, or sharing a
    household with a remaining panel member are skipped. When nobody keeps every quota,
    `SelectionError` (code ``no_replacement_keeps_quotas``) is raised with the least-bad
    choice in ``best_partial``; with ``allow_partial=True`` that choice is returned instead,
    flagged by ``keeps_quotas=False`` and its ``violations``.
    """
    prepared, problems = prepare(pool, quotas, len(panel_ids), household_column)
    if prepared is None:
        raise SelectionError(problems)
    if dropped_id not in panel_ids:
        raise SelectionError(
            problem(
                "not_on_panel",
                f"'{dropped_id}' is not on the panel, so there is no one to replace.",
                id=dropped_id,
            )
        )
    unknown = [p for p in panel_ids if p not in prepared.values]
    if unknown:
        raise SelectionError(
            problem(
                "unknown_member",
                f"Panel member(s) not in the pool: {listing(unknown)}.",
                ids=", ".join(unknown),
            )
        )
    remaining = [p for p in panel_ids if p != dropped_id]
    base = quota_counts(remaining, prepared)
    taken = {prepared.households[p] for p in remaining} - {None}
    skipped: list[dict[str, Any]] = []
    # (excess, position, id, breaches)
    best: tuple[int, int, str, list[dict[str, Any]]] | None = None
    for position, candidate in enumerate(alternates, start=1):
        if candidate in remaining or candidate == dropped_id:
            skipped.append(
                {
                    "id": candidate,
                    "position": position,
                    "reason": "already on the panel or dropped out",
                }
            )
            continue
        if candidate not in prepared.values:
            skipped.append({"id": candidate, "position": position, "reason": "not in the pool"})
            continue
        if prepared.households[candidate] in taken:
            skipped.append(
                {
                    "id": candidate,
                    "position": position,
                    "reason": "shares a household with a panel member",
                }
            )
            continue
        counts = base.copy()
        for feature, value in prepared.values[candidate].items():
            counts[feature, value] += 1
        breaches = quota_breaches(counts, prepared.quotas)
        if not breaches:
            return _replacement(dropped_id, candidate, position, panel_ids, alternates, skipped, [])
        skipped.append(
            {
                "id": candidate,
                "position": position,
                "reason": "; ".join(breach_text(b) for b in breaches),
            }
        )
        excess = quota_excess(counts, prepared.quotas)
        if best is None or excess < best[0]:
            best = (excess, position, candidate, breaches)
    if best is None:
        raise SelectionError(
            problem(
                "no_alternates",
                f"No alternate can replace '{dropped_id}': every alternate is already on the "
                "panel, missing from the pool or shares a household with a panel member.",
                id=dropped_id,
            )
        )
    partial = _replacement(dropped_id, best[2], best[1], panel_ids, alternates, skipped, best[3])
    if allow_partial:
        return partial
    raise SelectionError(
        problem(
            "no_replacement_keeps_quotas",
            f"No alternate keeps every quota when replacing '{dropped_id}'. The closest is "
            f"'{best[2]}' (alternate {best[1]}), but {'; '.join(map(breach_text, best[3]))}.",
            id=dropped_id,
            best_id=best[2],
            violations="; ".join(map(breach_text, best[3])),
        ),
        best_partial=partial,
    )


def _replacement(
    dropped_id: str,
    chosen: str,
    position: int,
    panel_ids: Sequence[str],
    alternates: Sequence[str],
    skipped: list[dict[str, Any]],
    breaches: list[dict[str, Any]],
) -> Replacement:
    earlier = [s for s in skipped if s["position"] < position]
    violations = [breach_text(b) for b in breaches]
    if violations:
        reason = (
            f"No alternate keeps every quota; '{chosen}' (alternate {position}) breaks them "
            f"least: {'; '.join(violations)}."
        )
    else:
        reason = (
            f"'{chosen}' is the first alternate (number {position}) who keeps every quota within "
            f"its minimum and maximum and the household rule."
        )
        if earlier:
            ids = listing([str(s["id"]) for s in earlier], limit=8)
            reason += (
                f" The {len(earlier)} earlier alternate(s) ({ids}) would break a quota or the "
                "household rule, or could not be chosen; see the skipped list for each reason."
            )
    return Replacement(
        dropped_id=dropped_id,
        chosen_id=chosen,
        keeps_quotas=not violations,
        reason=reason,
        panel=[chosen if p == dropped_id else p for p in panel_ids],
        alternates=[a for a in alternates if a != chosen],
        position=position,
        skipped=earlier,
        violations=violations,
        breaches=breaches,
    )

"""Representativeness: who took part, set against the targets of a sortition panel.

Pure data in, pure data out (no database), so it can be tested and reused alone. The targets
are the quotas of the assembly's drawn panel: a quota's minimum and maximum, divided by the
panel size, give the range of shares a value should have. Participants' answers to the
assembly's demographic questions are counted among those who answered, and each share is
compared with its range: "below", "within" or "above".

``withhold_small_counts`` is the small-cell rule every public surface applies to this data
(summaries and their PDFs, the final report, the present view, the public API): the research
export's threshold and suppression, so one rule holds everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assembly.exports.privacy import DEFAULT_K, suppress_table

__all__ = ["representativeness", "withhold_small_counts"]


def _share(part: int | float, whole: int | float) -> float | None:
    return float(part) / float(whole) if whole else None


def _round(value: float, digits: int = 4) -> float:
    return round(float(value), digits)


def norm(value: Any) -> str:
    """A feature or value name as compared: spacing and case ignored."""
    return " ".join(str(value).split()).casefold()


def representativeness(
    questions: Sequence[Mapping[str, Any]],
    answers: Iterable[Mapping[str, Any]],
    quotas: Sequence[Mapping[str, Any]] = (),
    panel_size: int = 0,
    panel_counts: Mapping[tuple[str, str], int] | None = None,
    participants: int = 0,
) -> dict[str, Any] | None:
    """Participants' answers per question, against quota targets where a quota matches.

    A quota matches a question when its feature equals the question's key or label, and a value
    when it equals the answer's value or label (ignoring case and spacing). Its target share is
    ``min / panel_size`` to ``max / panel_size``; a participants' share outside it is "below" or
    "above". Quota features with no matching question are listed with the panel's counts only.
    Returns None when there are neither answers nor quotas.
    """
    answer_list = [a for a in answers if isinstance(a, Mapping) and a]
    quota_rows = [q for q in quotas if isinstance(q, Mapping) and "feature" in q and "value" in q]
    if not answer_list and not quota_rows:
        return None
    counts = panel_counts or {}
    by_feature: dict[str, list[Mapping[str, Any]]] = {}
    for quota_row in quota_rows:
        by_feature.setdefault(norm(quota_row["feature"]), []).append(quota_row)
    features: list[dict[str, Any]] = []
    used_features: set[str] = set()
    for question in questions:
        key = str(question.get("key", ""))
        if not key:
            continue
        label = str(question.get("label", key))
        options: list[tuple[str, str]] = []
        for option in question.get("options") or []:
            if isinstance(option, Mapping):
                value = str(option.get("value", option.get("label", "")))
                options.append((value, str(option.get("label", value))))
            else:
                options.append((str(option), str(option)))
        answered = [a.get(key) for a in answer_list if a.get(key) not in (None, "")]
        tally = Counter(str(a) for a in answered)
        feature_quotas = by_feature.get(norm(key)) or by_feature.get(norm(label)) or []
        if feature_quotas:
            used_features.add(norm(feature_quotas[0]["feature"]))
        quota_of = {norm(q["value"]): q for q in feature_quotas}
        rows = []
        for value, option_label in options:
            quota: Mapping[str, Any] | None = quota_of.get(norm(value)) or quota_of.get(
                norm(option_label)
            )
            rows.append(
                _feature_row(
                    value,
                    option_label,
                    tally.get(value, 0),
                    len(answered),
                    quota,
                    panel_size,
                    counts,
                )
            )
        features.append({"key": key, "label": label, "answered": len(answered), "rows": rows})
    for feature_key, feature_quotas in by_feature.items():
        if feature_key in used_features:
            continue
        name = str(feature_quotas[0]["feature"])
        features.append(
            {
                "key": name,
                "label": name,
                "answered": None,
                "rows": [
                    _feature_row(str(q["value"]), str(q["value"]), None, 0, q, panel_size, counts)
                    for q in feature_quotas
                ],
            }
        )
    return {
        "participants": participants,
        "answered": len(answer_list),
        "has_targets": bool(quota_rows) and panel_size > 0,
        "panel_size": panel_size or None,
        "features": features,
    }


def _feature_row(
    value: str,
    label: str,
    count: int | None,
    answered: int,
    quota: Mapping[str, Any] | None,
    panel_size: int,
    panel_counts: Mapping[tuple[str, str], int],
) -> dict[str, Any]:
    share = _share(count, answered) if count is not None else None
    target_min = target_max = None
    panel = None
    status = None
    if quota is not None and panel_size > 0:
        try:
            target_min = float(quota.get("min", 0)) / panel_size
            target_max = float(quota.get("max", 0)) / panel_size
        except (TypeError, ValueError):
            target_min = target_max = None
        panel = panel_counts.get((norm(quota["feature"]), norm(quota["value"])))
        if share is not None and target_min is not None and target_max is not None:
            # A little tolerance, so that rounding a quota to whole people is not "below".
            status = (
                "below"
                if share < target_min - 1e-9
                else "above"
                if share > target_max + 1e-9
                else "within"
            )
    return {
        "value": value,
        "label": label,
        "count": count,
        "share": None if share is None else _round(share),
        "target_min": None if target_min is None else _round(target_min),
        "target_max": None if target_max is None else _round(target_max),
        "panel": panel,
        "status": status,
    }


def withhold_small_counts(
    rep: Mapping[str, Any] | None, k: int = DEFAULT_K
) -> dict[str, Any] | None:
    """The one small-cell rule of every public surface: ``rep`` with each count from 1 to
    ``k - 1`` withheld, as the research export withholds them.

    Per question, the participants' counts by answer and the panel's counts by quota value go
    through the export's suppression (``suppress_table``): small counts are withheld, and
    enough others with them that the published total does not give one away by subtraction.
    A withheld count becomes ``None`` with ``withheld`` set; its share and its comparison with
    the target are withheld too, since either would narrow the count down. A question's total
    and the number who answered at all are withheld when they are small themselves. Already
    withheld data (``withheld_k`` set) is returned as it is, so the rule may run twice.
    """
    if rep is None:
        return None
    if rep.get("withheld_k") is not None:
        return dict(rep)
    out = dict(rep)
    out["withheld_k"] = k
    answered = rep.get("answered")
    out["answered_withheld"] = isinstance(answered, int) and 0 < answered < k
    if out["answered_withheld"]:
        out["answered"] = None
    out["features"] = [_withhold_feature(f, k) for f in rep.get("features") or []]
    return out


def _withhold_column(
    name: str, counts: Sequence[int | None], k: int
) -> tuple[list[int | None], int | None]:
    """One column of counts after suppression, and its published total (None when withheld)."""
    present = [i for i, c in enumerate(counts) if c is not None]
    published: list[int | None] = [None] * len(counts)
    if not present:
        return published, None
    table = suppress_table(
        name,
        [str(i) for i in present],
        ["count"],
        [[int(counts[i] or 0)] for i in present],
        k,
        row_totals=False,
    )
    for i, (cell,) in zip(present, table.cells, strict=True):
        published[i] = cell
    total = table.column_totals[0] if table.column_totals else None
    return published, total


def _withhold_feature(feature: Mapping[str, Any], k: int) -> dict[str, Any]:
    rows = [dict(r) for r in feature.get("rows") or []]
    counts, total = _withhold_column(
        f"public/{feature.get('key', '')}", [r.get("count") for r in rows], k
    )
    panels, _panel_total = _withhold_column(
        f"public/{feature.get('key', '')}/panel", [r.get("panel") for r in rows], k
    )
    for row, count, panel in zip(rows, counts, panels, strict=True):
        row["withheld"] = row.get("count") is not None and count is None
        row["panel_withheld"] = row.get("panel") is not None and panel is None
        row["count"], row["panel"] = count, panel
        row["share"] = _round(count / total) if count is not None and total else None
        if row["withheld"] or total is None:
            row["status"] = None
    out = dict(feature)
    out["rows"] = rows
    answered = feature.get("answered")
    # The question's own total follows its counts' suppression, or the count would come back.
    out["answered_withheld"] = answered is not None and (total is None or 0 < answered < k)
    if out["answered_withheld"]:
        out["answered"] = None
    return out

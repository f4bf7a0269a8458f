"""Representativeness: who took part, set against the targets of a sortition panel.

Pure data in, pure data out (no database), so it can be tested and reused alone. The targets
are the quotas of the assembly's drawn panel: a quota's minimum and maximum, divided by the
panel size, give the range of shares a value should have. Participants' answers to the
assembly's demographic questions are counted among those who answered, and each share is
compared with its range: "below", "within" or "above".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["representativeness"]


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

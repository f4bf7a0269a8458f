"""Stratified panel selection (a civic lottery) on top of the sortition-algorithms package.

The pool is a table with an ``id`` column, one column per feature (age, gender, area...)
and, optionally, a household key column. The quotas give a minimum and a maximum for each
feature value (rows ``feature,value,min,max``, the library's own convention).

What this adapter adds to the library, and why:

* **Validation in plain English.** Every problem with the inputs is collected at once as a
  `Problem` (a stable ``code``, ``params`` for translation, and an English ``message``), so
  a facilitator can fix the pool and the quotas in one pass.
* **Open solvers only.** ``maximin`` (the default) and ``nash`` run on HiGHS and SCS.
  ``leximin`` is refused: without the commercial Gurobi solver the library silently runs
  maximin instead, so a run labelled leximin would be mislabelled.
* **Per-person probabilities.** ``run_stratification`` returns only the drawn panel, while the
  fairness report needs each pool member's chance of selection. The adapter therefore calls
  the library's own steps in the same order as ``run_stratification`` (its pre-checks, the
  maximin or nash distribution, ``standardize_distribution``, ``lottery_rounding``), and
  keeps the distribution's marginals. Those steps raise where ``run_stratification`` would
  return ``success=False``; every failure, raised or reported, becomes a `SelectionError`
  carrying the library's reason (infeasible quotas come with its suggested relaxation).
* **Reproducibility across processes.** The library keeps committees and people in Python
  sets, so its solver input order, and with it the chosen distribution, depends on the
  interpreter's string-hash seed as well as on the lottery seed. The solver therefore runs in
  a child interpreter with ``PYTHONHASHSEED=0`` and the committees are put into a canonical
  order before the seeded lottery. The same inputs and seed give the same panel in any run.
  The child also keeps solver banners and the library's log lines out of this process's
  stdout and logs, and does not disturb this process's global ``random`` state (the library
  seeds the module-level generator).
* **Alternates and replacements.** Alternates are every pool member not on the panel, in an
  order shuffled by a generator seeded from the draw's seed (``Random("assembly-alternates:
  <seed>")``), so the list is as reproducible as the panel. `replace_member` walks that list
  and takes the first alternate who keeps every quota within its minimum and maximum (and the
  household rule): among those who fit, each is equally likely to come first.
* **A selection record.** SHA-256 hashes of the canonical inputs, the algorithm, the library
  and solver versions, the seed and the panel; no timestamps, so it can be checked by
  re-running the draw.

Feature names, feature values and household keys are compared without regard to case or
surrounding spaces, as the library does. A blank household key means "no known household"
and never matches another member.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

from assembly.sortition.inputs import (
    Pool,
    Prepared,
    Problem,
    Quota,
    Replacement,
    SelectionError,
    parse_pool,
    parse_quotas,
    prepare,
    problem,
    quota_counts,
    quota_violations,
    validate_inputs,
)
from assembly.sortition.replacements import replace_member
from assembly.sortition.solver import HASH_SEED, SOLVER_BACKEND, ProgressCallback, emit, run_solver

__all__ = [
    "ALGORITHMS",
    "MAX_SEED",
    "Pool",
    "Problem",
    "Quota",
    "QuotaRow",
    "Replacement",
    "SelectionError",
    "SelectionResult",
    "draw_panel",
    "new_seed",
    "parse_pool",
    "parse_quotas",
    "replace_member",
    "validate_inputs",
]

ALGORITHMS = ("maximin", "nash")
"""Algorithms offered: both run on open solvers (HiGHS for maximin, SCS through cvxpy for nash)."""

MAX_SEED = 2**31 - 1
"""Largest accepted seed (the library draws solver seeds below this bound)."""


LIBRARY = "sortition-algorithms"
RECORD_FORMAT = "assembly.sortition.selection/1"

# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QuotaRow:
    """Target against outcome for one feature value."""

    feature: str
    value: str
    min: int
    max: int
    selected: int
    pool: int

    @property
    def met(self) -> bool:
        return self.min <= self.selected <= self.max


@dataclass(frozen=True)
class SelectionResult:
    """A drawn panel with its fairness figures and its reproducibility record."""

    panel: list[str]
    alternates: list[str]
    probabilities: dict[str, float]
    quota_table: list[QuotaRow]
    record: dict[str, Any]
    algorithm: str
    seed: int
    panel_size: int
    report_text: str

    @property
    def pool_size(self) -> int:
        return len(self.probabilities)

    @property
    def min_probability(self) -> float:
        return min(self.probabilities.values())

    @property
    def mean_probability(self) -> float:
        return sum(self.probabilities.values()) / len(self.probabilities)

    @property
    def ideal_probability(self) -> float:
        """The equal-chance ideal: panel size / pool size."""
        return self.panel_size / self.pool_size

    @property
    def min_to_ideal(self) -> float:
        """Lowest probability as a share of the ideal (1.0 when everyone has an equal chance)."""
        return self.min_probability / self.ideal_probability

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["quota_table"] = [asdict(row) for row in self.quota_table]
        data["summary"] = {
            "pool_size": self.pool_size,
            "min_probability": self.min_probability,
            "mean_probability": self.mean_probability,
            "ideal_probability": self.ideal_probability,
            "min_to_ideal": self.min_to_ideal,
        }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SelectionResult:
        return cls(
            panel=list(data["panel"]),
            alternates=list(data["alternates"]),
            probabilities={str(k): float(v) for k, v in data["probabilities"].items()},
            quota_table=[QuotaRow(**row) for row in data["quota_table"]],
            record=dict(data["record"]),
            algorithm=str(data["algorithm"]),
            seed=int(data["seed"]),
            panel_size=int(data["panel_size"]),
            report_text=str(data["report_text"]),
        )


def new_seed() -> int:
    """A fresh seed from the operating system, to be recorded before the draw."""
    return secrets.randbelow(MAX_SEED) + 1


def _sha256_json(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical_pool(prepared: Prepared) -> dict[str, Any]:
    """What the draw depends on: ids, feature values and household keys, in pool order."""
    return {
        "features": prepared.features,
        "household": prepared.pool.household_column is not None,
        "rows": [
            [
                person_id,
                *(prepared.values[person_id][feature] for feature in prepared.features),
                *([prepared.households[person_id] or ""] if prepared.pool.household_column else []),
            ]
            for person_id in prepared.pool.ids
        ],
    }


def _canonical_quotas(quotas: Sequence[Quota]) -> list[list[Any]]:
    return [[q.feature, q.value, q.min, q.max] for q in quotas]


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _alternates(prepared: Prepared, panel: Sequence[str], seed: int) -> list[str]:
    chosen = set(panel)
    rest = [person_id for person_id in prepared.pool.ids if person_id not in chosen]
    random.Random(f"assembly-alternates:{seed}").shuffle(rest)
    return rest


def draw_panel(
    pool: str | Iterable[Mapping[str, Any]] | Pool,
    quotas: str | Iterable[Mapping[str, Any]] | Sequence[Quota],
    panel_size: int,
    *,
    seed: int,
    algorithm: str = "maximin",
    household_column: str | None = None,
    progress: ProgressCallback | None = None,
    timeout: float | None = None,
) -> SelectionResult:
    """Draw a panel of ``panel_size`` from ``pool`` meeting every quota.

    ``seed`` must be 1..MAX_SEED (the library treats 0 as "unseeded"); the same inputs and
    seed give the same panel. With ``household_column`` at most one person per household is
    selected. ``progress`` receives short English stage descriptions. ``timeout`` (seconds)
    stops the solver. Raises `SelectionError` when the inputs are invalid or no panel exists.
    """
    problems: list[Problem] = []
    algorithm = algorithm.strip().lower()
    if algorithm == "leximin":
        problems.append(
            problem(
                "leximin_unavailable",
                "Leximin needs the commercial Gurobi solver; without it the library quietly runs "
                "maximin instead, so it is not offered. Maximin reaches the same lowest selection "
                "probability; nash is the other open-solver choice.",
                algorithm=algorithm,
            )
        )
    elif algorithm not in ALGORITHMS:
        problems.append(
            problem(
                "unknown_algorithm",
                f"Unknown selection algorithm '{algorithm}': choose maximin or nash.",
                algorithm=algorithm,
            )
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or not 1 <= seed <= MAX_SEED:
        problems.append(
            problem(
                "invalid_seed",
                f"The seed must be a whole number from 1 to {MAX_SEED}, not {seed!r}: a seed of 0 "
                "would make the library use an unrecorded random source, and the draw could not "
                "be repeated.",
                seed=str(seed),
                max=MAX_SEED,
            )
        )
    emit(progress, "Checking the pool and the quotas")
    prepared, input_problems = prepare(pool, quotas, panel_size, household_column)
    problems += input_problems
    if problems or prepared is None:
        raise SelectionError(problems)

    request = {
        "algorithm": algorithm,
        "seed": seed,
        "panel_size": panel_size,
        "features": prepared.features,
        "quotas": _canonical_quotas(prepared.quotas),
        "household": prepared.pool.household_column is not None,
        "people": [
            [
                person_id,
                *(prepared.values[person_id][feature] for feature in prepared.features),
                # A blank household key matches no one: give it a key of its own.
                *(
                    [prepared.households[person_id] or f"\x00{index}"]
                    if prepared.pool.household_column
                    else []
                ),
            ]
            for index, person_id in enumerate(prepared.pool.ids)
        ],
    }
    emit(progress, "Starting the solver")
    answer = run_solver(request, progress, timeout)
    if "error" in answer:
        error = answer["error"]
        raise SelectionError(
            problem(str(error["code"]), str(error["message"]), reason=str(error.get("reason", "")))
        )

    chosen = set(answer["panel"])
    panel = [person_id for person_id in prepared.pool.ids if person_id in chosen]
    _check_drawn(panel, prepared, panel_size)
    emit(progress, "Ordering the alternates")
    alternates = _alternates(prepared, panel, seed)
    marginals: Mapping[str, float] = answer["marginals"]
    probabilities = {  # clamped: the LP answer may stray from [0, 1] by its tolerance
        person_id: min(1.0, max(0.0, float(marginals.get(person_id, 0.0))))
        for person_id in prepared.pool.ids
    }
    counts = quota_counts(panel, prepared)
    pool_counts = quota_counts(prepared.pool.ids, prepared)
    quota_table = [
        QuotaRow(
            q.feature,
            q.value,
            q.min,
            q.max,
            counts[q.feature, q.value],
            pool_counts[q.feature, q.value],
        )
        for q in prepared.quotas
    ]
    low = min(probabilities.values())
    ideal = panel_size / len(probabilities)
    summary = (
        f"Selected {panel_size} of {len(probabilities)} with {algorithm} (seed {seed}). "
        f"Lowest selection probability {low:.4f}, ideal {ideal:.4f} "
        f"({low / ideal:.0%} of the ideal); {answer['committees']} panels in the distribution."
    )
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "library": {"name": LIBRARY, "version": _version(LIBRARY)},
        "solver": {
            "backend": SOLVER_BACKEND,
            "highspy": _version("highspy"),
            **({"cvxpy": _version("cvxpy"), "scs": _version("scs")} if algorithm == "nash" else {}),
        },
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "python_hash_seed": int(HASH_SEED),
        "algorithm": algorithm,
        "seed": seed,
        "panel_size": panel_size,
        "pool_size": len(prepared.pool),
        "household_column": prepared.pool.household_column,
        "inputs": {
            "pool_sha256": _sha256_json(_canonical_pool(prepared)),
            "quotas_sha256": _sha256_json(_canonical_quotas(prepared.quotas)),
            "canonical_form": (
                "UTF-8 compact JSON. Pool: {features, household, rows: [[id, values in quota "
                "feature order, household key lower-cased if used], ...]} in pool order, values "
                "spelled as in the quotas. Quotas: [[feature, value, min, max], ...] in file order."
            ),
        },
        "reproduce": (
            "Run draw_panel (or `assembly sortition select`) on inputs with these hashes, with "
            "the same seed, algorithm, panel size and household column, and the same versions "
            "of the library, highspy and Python: the panel and alternates are the same."
        ),
        "alternates_rule": (
            f'Random("assembly-alternates:{seed}").shuffle(non-selected ids in pool order)'
        ),
        "panel": panel,
        "alternates": alternates,
        "panel_sha256": _sha256_json(panel),
        "min_probability": low,
        "ideal_probability": ideal,
        "committees_in_distribution": answer["committees"],
        "report": f"{summary}\n\n{answer['report']}".strip(),
        "replacements": [],
    }
    emit(progress, "Done")
    return SelectionResult(
        panel=panel,
        alternates=alternates,
        probabilities=probabilities,
        quota_table=quota_table,
        record=record,
        algorithm=algorithm,
        seed=seed,
        panel_size=panel_size,
        report_text=record["report"],
    )


def _check_drawn(panel: Sequence[str], prepared: Prepared, panel_size: int) -> None:
    """Defensive check of the library's answer before anyone is invited."""
    problems = []
    if len(panel) != panel_size:
        problems.append(f"the panel has {len(panel)} members instead of {panel_size}")
    problems += quota_violations(quota_counts(panel, prepared), prepared.quotas)
    keys = [prepared.households[p] for p in panel if prepared.households[p] is not None]
    if len(keys) != len(set(keys)):
        problems.append("two panel members share a household")
    if problems:
        raise SelectionError(
            problem(
                "selection_failed",
                "The solver returned a panel that breaks the rules: " + "; ".join(problems) + ".",
                reason="; ".join(problems),
            )
        )

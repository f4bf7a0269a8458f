"""The solver process of a civic lottery: the sortition-algorithms steps, run in a child
interpreter with a fixed string-hash seed so that the same inputs and seed give the same panel
(see :mod:`assembly.sortition.selection` for why).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from assembly.sortition.inputs import QUOTA_COLUMNS

SOLVER_BACKEND = "highspy"
HASH_SEED = "0"

_HOUSEHOLD_KEY = "__assembly_household__"  # private column name handed to the library
_PROGRESS_INTERVAL = 0.5  # seconds between forwarded progress updates inside one phase

ProgressCallback = Callable[[str], None]


def emit(progress: ProgressCallback | None, stage: str) -> None:
    if progress is not None:
        progress(stage)


# --------------------------------------------------------------------------- child process


def run_solver(
    request: Mapping[str, Any], progress: ProgressCallback | None, timeout: float | None
) -> dict[str, Any]:
    """Run `child_main` in a fresh interpreter with a fixed hash seed; return its answer."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = HASH_SEED
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.pop("PYTHONSTARTUP", None)
    command = [
        sys.executable,
        "-c",
        "from assembly.sortition.solver import child_main; child_main()",
    ]
    answer: dict[str, Any] = {}
    timed_out = threading.Event()
    with (
        tempfile.TemporaryFile() as stderr_file,
        subprocess.Popen(  # noqa: S603 - fixed command, our own interpreter
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr_file, env=env
        ) as process,
    ):

        def kill() -> None:
            timed_out.set()
            process.kill()

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        try:
            assert process.stdin is not None
            assert process.stdout is not None
            with contextlib.suppress(BrokenPipeError):
                process.stdin.write(json.dumps(request).encode("utf-8"))
                process.stdin.close()
            for line in process.stdout:
                message = json.loads(line)
                if "stage" in message:
                    emit(progress, str(message["stage"]))
                else:
                    answer = message
            process.wait()
        finally:
            if timer:
                timer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        stderr_file.seek(0)
        log = stderr_file.read().decode("utf-8", "replace")
    if timed_out.is_set():
        return {
            "error": {
                "code": "timeout",
                "message": f"The selection did not finish within {timeout:g} seconds.",
            }
        }
    if not answer:
        tail = log.strip().splitlines()[-5:]
        return {
            "error": {
                "code": "selection_failed",
                "message": "The selection stopped unexpectedly: " + (" ".join(tail) or "no output"),
                "reason": log[-2000:],
            }
        }
    answer.setdefault("log", log)
    return answer


class _ChildProgress:
    """The library's ProgressReporter, forwarding phase messages to the parent (throttled)."""

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self._send = send
        self._last = 0.0

    def start_phase(
        self, name: str, total: int | None = None, *, message: str | None = None
    ) -> None:
        self._send({"stage": message or name})
        self._last = time.monotonic()

    def update(self, current: int, *, message: str | None = None) -> None:
        now = time.monotonic()
        if message and now - self._last >= _PROGRESS_INTERVAL:
            self._send({"stage": message})
            self._last = now

    def end_phase(self) -> None:
        return None


def child_main() -> None:
    """Entry point of the solver process: JSON request on stdin, JSON lines on the first fd."""
    channel: IO[str] = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # solver output written straight to fd 1 lands in the parent's log file
    captured = io.StringIO()

    def send(message: dict[str, Any]) -> None:
        channel.write(json.dumps(message) + "\n")

    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        try:
            request = json.loads(sys.stdin.read())
            answer = _solve(request, send, captured)
        except Exception as error:  # report every failure to the parent, never a bare crash
            answer = {"error": _library_error(error)}
    answer["log"] = captured.getvalue()
    send(answer)
    channel.close()


def _library_error(error: Exception) -> dict[str, str]:
    try:
        from sortition_algorithms import errors
    except ImportError:
        return {"code": "selection_failed", "message": f"The selection failed: {error}"}

    if isinstance(error, errors.InfeasibleQuotasError):
        suggestions = [line for line in error.lines()[1:] if line.strip()]
        return {
            "code": "infeasible_quotas",
            "message": "The quotas cannot all be met together with this pool"
            + (". The library suggests: " + " ".join(suggestions) if suggestions else "."),
            "reason": "\n".join(error.lines()),
        }
    if isinstance(error, errors.InfeasibleQuotasCantRelaxError):
        return {
            "code": "infeasible_quotas",
            "message": f"The quotas cannot all be met together with this pool: {error}",
            "reason": str(error),
        }
    if isinstance(error, errors.SortitionBaseError | ValueError | RuntimeError):
        return {
            "code": "selection_failed",
            "message": f"The selection failed: {error}",
            "reason": str(error),
        }
    return {
        "code": "selection_failed",
        "message": f"The selection failed unexpectedly: {type(error).__name__}: {error}",
        "reason": traceback.format_exc(),
    }


def _solve(
    request: Mapping[str, Any], send: Callable[[dict[str, Any]], None], log: IO[str]
) -> dict[str, Any]:
    from sortition_algorithms import Settings, read_in_features, read_in_people
    from sortition_algorithms.committee_generation import (
        find_distribution_maximin,
        find_distribution_nash,
        standardize_distribution,
    )
    from sortition_algorithms.core import lottery_rounding
    from sortition_algorithms.features import check_desired
    from sortition_algorithms.people import check_enough_people_for_every_feature_value
    from sortition_algorithms.utils import RunReport, override_logging_handlers, set_random_provider

    handler = logging.StreamHandler(log)
    override_logging_handlers([handler], [handler])
    features_list: list[str] = list(request["features"])
    quota_rows = [
        {"feature": f, "value": v, "min": str(lo), "max": str(hi)}
        for f, v, lo, hi in request["quotas"]
    ]
    features, _, _ = read_in_features(list(QUOTA_COLUMNS), quota_rows)
    household = bool(request["household"])
    header = ["id", *features_list, *([_HOUSEHOLD_KEY] if household else [])]
    settings = Settings(
        id_column="id",
        columns_to_keep=[],
        check_same_address=household,
        check_same_address_columns=[_HOUSEHOLD_KEY] if household else [],
        selection_algorithm=request["algorithm"],
        solver_backend=SOLVER_BACKEND,
        random_number_seed=int(request["seed"]),
    )
    rows = [dict(zip(header, person, strict=True)) for person in request["people"]]
    people, _ = read_in_people(header, rows, features, settings)
    panel_size = int(request["panel_size"])
    check_desired(features, panel_size)
    check_enough_people_for_every_feature_value(features, people)
    # As run_stratification does: seed the library's generator after the checks.
    set_random_provider(settings.random_number_seed)
    reporter = _ChildProgress(send)
    find = (
        find_distribution_nash
        if settings.selection_algorithm == "nash"
        else find_distribution_maximin
    )
    committees, probabilities, report = find(
        features,
        people,
        panel_size,
        settings.normalised_address_columns,
        settings.solver_backend,
        progress_reporter=reporter,
    )
    committees, probabilities = standardize_distribution(committees, probabilities)
    if not committees:
        raise RuntimeError("the solver found no feasible panel")
    # Canonical order, so the seeded lottery does not depend on set iteration order.
    ordered = sorted(zip(committees, probabilities, strict=True), key=lambda pair: sorted(pair[0]))
    send({"stage": "Drawing the panel from the fair distribution"})
    lottery = lottery_rounding([c for c, _ in ordered], [p for _, p in ordered], 1)
    marginals: dict[str, float] = dict.fromkeys(people, 0.0)
    for committee, probability in ordered:
        for person_id in committee:
            marginals[person_id] += probability
    text = report.as_text() if isinstance(report, RunReport) else ""
    return {
        "panel": sorted(lottery[0]),
        "marginals": marginals,
        "committees": len(ordered),
        "report": text,
    }

"""Panel selection: quotas, fairness figures, reproducibility, households, errors, replacements."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from assembly.sortition.selection import (
    MAX_SEED,
    Pool,
    Problem,
    Quota,
    SelectionError,
    SelectionResult,
    draw_panel,
    new_seed,
    parse_pool,
    parse_quotas,
    replace_member,
    validate_inputs,
)

ROOT = Path(__file__).resolve().parents[2]

Rows = list[dict[str, str]]


def counts(rows: Rows, ids: list[str]) -> Counter[tuple[str, str]]:
    by_id = {row["id"]: row for row in rows}
    tally: Counter[tuple[str, str]] = Counter()
    for person_id in ids:
        for feature in ("gender", "age", "area"):
            tally[feature, by_id[person_id][feature]] += 1
    return tally


def codes(problems: list[Problem]) -> list[str]:
    return [problem.code for problem in problems]


# --------------------------------------------------------------------------- the draw


def test_panel_meets_every_quota(drawn: SelectionResult, pool_rows: Rows, quotas_csv: str) -> None:
    assert len(drawn.panel) == 12
    assert len(set(drawn.panel)) == 12
    tally = counts(pool_rows, drawn.panel)
    for quota in parse_quotas(quotas_csv):
        assert quota.min <= tally[quota.feature, quota.value] <= quota.max
    for row in drawn.quota_table:
        assert row.met
        assert row.selected == tally[row.feature, row.value]
        assert row.pool == sum(1 for r in pool_rows if r[row.feature] == row.value)


def test_panel_in_pool_order_and_alternates_are_the_rest(
    drawn: SelectionResult, pool_rows: Rows
) -> None:
    order = [row["id"] for row in pool_rows]
    assert drawn.panel == sorted(drawn.panel, key=order.index)
    assert sorted(drawn.alternates) == sorted(set(order) - set(drawn.panel))
    assert drawn.alternates != sorted(drawn.alternates, key=order.index)  # shuffled


def test_probabilities_are_a_fair_distribution(drawn: SelectionResult) -> None:
    probabilities = drawn.probabilities
    assert len(probabilities) == 80
    assert sum(probabilities.values()) == pytest.approx(12, abs=1e-6)
    assert all(0.0 <= p <= 1.0 + 1e-9 for p in probabilities.values())
    assert drawn.ideal_probability == pytest.approx(12 / 80)
    assert drawn.mean_probability == pytest.approx(drawn.ideal_probability)
    assert 0 < drawn.min_probability <= drawn.ideal_probability + 1e-9
    assert drawn.min_to_ideal == pytest.approx(drawn.min_probability / drawn.ideal_probability)
    # maximin keeps everyone's chance well above zero on this mixed pool
    assert drawn.min_to_ideal > 0.5


def test_record_is_reproducible_and_complete(drawn: SelectionResult) -> None:
    record = drawn.record
    assert record["algorithm"] == "maximin"
    assert record["seed"] == 7
    assert record["panel_size"] == 12
    assert record["library"]["name"] == "sortition-algorithms"
    assert record["library"]["version"].startswith("0.12")
    assert record["solver"]["backend"] == "highspy"
    assert len(record["inputs"]["pool_sha256"]) == 64
    assert len(record["inputs"]["quotas_sha256"]) == 64
    assert record["panel"] == drawn.panel
    assert record["python_hash_seed"] == 0
    assert "maximin" in record["report"].lower()
    assert not [key for key in record if "time" in key or "date" in key]  # no timestamps
    json.dumps(record)  # serialisable as is


def test_same_seed_same_panel(drawn: SelectionResult, pool_rows: Rows, quotas_csv: str) -> None:
    again = draw_panel(pool_rows, quotas_csv, 12, seed=7)  # rows instead of CSV text
    assert again.panel == drawn.panel
    assert again.alternates == drawn.alternates
    assert again.probabilities == pytest.approx(drawn.probabilities)
    assert again.record["inputs"] == drawn.record["inputs"]
    other = draw_panel(pool_rows, quotas_csv, 12, seed=8)
    assert other.panel != drawn.panel


def test_same_seed_same_panel_in_another_process(
    drawn: SelectionResult, pool_rows: Rows, quotas_csv: str, tmp_path: Path
) -> None:
    """A fresh interpreter with another hash seed draws the same panel."""
    (tmp_path / "pool.json").write_text(json.dumps(pool_rows))
    (tmp_path / "quotas.csv").write_text(quotas_csv)
    script = (
        "import json, sys; from pathlib import Path\n"
        "from assembly.sortition.selection import draw_panel\n"
        "d = Path(sys.argv[1])\n"
        "r = draw_panel(json.loads((d / 'pool.json').read_text()), "
        "(d / 'quotas.csv').read_text(), 12, seed=7)\n"
        "print(json.dumps([r.panel, r.alternates]))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    panel, alternates = json.loads(done.stdout)
    assert panel == drawn.panel
    assert alternates == drawn.alternates


def test_progress_is_reported_and_solver_output_kept_out(
    pool_rows: Rows, quotas_csv: str, capfd: pytest.CaptureFixture[str]
) -> None:
    stages: list[str] = []
    result = draw_panel(pool_rows[:40], _loose_quotas(), 6, seed=3, progress=stages.append)
    assert stages[0] == "Checking the pool and the quotas"
    assert any("committees" in stage.lower() or "maximin" in stage.lower() for stage in stages)
    assert stages[-1] == "Done"
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""
    assert len(result.panel) == 6


def _loose_quotas() -> str:
    return "feature,value,min,max\ngender,female,2,4\ngender,male,2,4\n"


def test_nash_meets_quotas(pool_rows: Rows) -> None:
    result = draw_panel(pool_rows[:40], _loose_quotas(), 6, seed=5, algorithm="nash")
    assert result.algorithm == "nash"
    assert result.record["algorithm"] == "nash"
    assert "cvxpy" in result.record["solver"]
    assert all(row.met for row in result.quota_table)
    assert sum(result.probabilities.values()) == pytest.approx(6, abs=1e-3)


def test_result_round_trips_through_a_dict(drawn: SelectionResult) -> None:
    data = json.loads(json.dumps(drawn.to_dict()))
    assert data["summary"]["min_probability"] == pytest.approx(drawn.min_probability)
    assert SelectionResult.from_dict(data) == drawn


def test_timeout_stops_the_solver(pool_rows: Rows, quotas_csv: str) -> None:
    with pytest.raises(SelectionError) as caught:
        draw_panel(pool_rows, quotas_csv, 12, seed=7, timeout=0.05)
    assert caught.value.codes == ["timeout"]


# --------------------------------------------------------------------------- households


def test_at_most_one_person_per_household(make_pool: Callable[..., Rows]) -> None:
    rows = make_pool(48, seed=9, household_size=2)
    quotas = "feature,value,min,max\ngender,female,4,8\ngender,male,4,8\n"
    result = draw_panel(rows, quotas, 10, seed=11, household_column="household")
    households = [next(r["household"] for r in rows if r["id"] == p) for p in result.panel]
    assert len(set(households)) == 10
    assert result.record["household_column"] == "household"
    # housemates share the households' chances: no one can exceed 1/1 of a household
    for household in set(r["household"] for r in rows):
        members = [r["id"] for r in rows if r["household"] == household]
        assert sum(result.probabilities[m] for m in members) <= 1 + 1e-6


def test_blank_household_keys_do_not_group_people(make_pool: Callable[..., Rows]) -> None:
    rows = make_pool(30, seed=4)
    for index, row in enumerate(rows):
        row["household"] = "" if index < 20 else f"H{index % 5}"  # 20 unknown, 5 shared homes
    quotas = "feature,value,min,max\ngender,female,0,10\ngender,male,0,10\n"
    # 10 seats need at least 5 people with a blank key: impossible if blanks were one home
    result = draw_panel(rows, quotas, 10, seed=2, household_column="household")
    keys = [r["household"].lower() for r in rows if r["id"] in result.panel and r["household"]]
    assert len(keys) == len(set(keys))
    assert len(result.panel) == 10


def test_household_keys_ignore_case(make_pool: Callable[..., Rows]) -> None:
    rows = make_pool(6, seed=1)
    for row, key in zip(rows, ["A", "a", "B", "b ", "C", "c"], strict=True):
        row["household"] = key
    quotas = "feature,value,min,max\ngender,female,0,4\ngender,male,0,4\n"
    problems = validate_inputs(rows, quotas, 4, household_column="household")
    assert codes(problems) == ["too_few_households"]
    assert "3 households" in problems[0].message


# --------------------------------------------------------------------------- infeasible


def test_infeasible_quotas_give_a_clear_error() -> None:
    # every woman is young and every man is old, so 5 women cannot go with 3 young people
    rows = [{"id": f"w{i}", "gender": "female", "age": "young"} for i in range(10)] + [
        {"id": f"m{i}", "gender": "male", "age": "old"} for i in range(10)
    ]
    quotas = (
        "feature,value,min,max\ngender,female,5,5\ngender,male,5,5\nage,young,3,3\nage,old,7,7\n"
    )
    assert validate_inputs(rows, quotas, 10) == []  # each check alone passes
    with pytest.raises(SelectionError) as caught:
        draw_panel(rows, quotas, 10, seed=1)
    assert caught.value.codes == ["infeasible_quotas"]
    message = str(caught.value)
    assert "cannot all be met" in message
    assert "suggests" in message  # the library's proposed relaxation is passed on


def test_leximin_is_refused_not_mislabelled(pool_rows: Rows, quotas_csv: str) -> None:
    with pytest.raises(SelectionError) as caught:
        draw_panel(pool_rows, quotas_csv, 12, seed=7, algorithm="leximin")
    assert caught.value.codes == ["leximin_unavailable"]
    assert "Gurobi" in str(caught.value)
    with pytest.raises(SelectionError) as unknown:
        draw_panel(pool_rows, quotas_csv, 12, seed=7, algorithm="legacy")
    assert unknown.value.codes == ["unknown_algorithm"]


@pytest.mark.parametrize("seed", [0, -3, MAX_SEED + 1])
def test_seed_must_be_recordable(pool_rows: Rows, quotas_csv: str, seed: int) -> None:
    with pytest.raises(SelectionError) as caught:
        draw_panel(pool_rows, quotas_csv, 12, seed=seed)
    assert caught.value.codes == ["invalid_seed"]


def test_new_seed_is_valid() -> None:
    seeds = {new_seed() for _ in range(20)}
    assert all(1 <= seed <= MAX_SEED for seed in seeds)
    assert len(seeds) > 1


# --------------------------------------------------------------------------- validation


POOL = "id,name,gender,age\np1,A,female,young\np2,B,male,old\np3,C,female,old\np4,D,male,young\n"
QUOTAS = "feature,value,min,max\ngender,female,1,2\ngender,male,1,2\nage,young,1,2\nage,old,1,2\n"


def test_valid_inputs_have_no_problems() -> None:
    assert validate_inputs(POOL, QUOTAS, 2) == []
    pool = parse_pool(POOL)
    assert isinstance(pool, Pool)
    assert pool.ids == ["p1", "p2", "p3", "p4"]
    assert pool.row("p3")["name"] == "C"
    assert parse_quotas(QUOTAS)[0] == Quota("gender", "female", 1, 2)


def test_missing_id_column() -> None:
    problems = validate_inputs(POOL.replace("id,", "ident,"), QUOTAS, 2)
    assert codes(problems) == ["missing_column"]
    assert problems[0].params["column"] == "id"
    assert "no 'id' column" in problems[0].message


def test_missing_household_column() -> None:
    problems = validate_inputs(POOL, QUOTAS, 2, household_column="address")
    assert codes(problems) == ["missing_column"]
    assert "household column 'address'" in problems[0].message


def test_duplicate_and_empty_ids() -> None:
    pool = POOL + "p2,E,male,old\n,F,male,old\n"
    problems = validate_inputs(pool, QUOTAS, 2)
    assert sorted(codes(problems)) == ["duplicate_id", "empty_id"]
    duplicate = next(p for p in problems if p.code == "duplicate_id")
    assert "'p2'" in duplicate.message
    assert "rows 3, 6" in duplicate.message


def test_duplicate_column() -> None:
    problems = validate_inputs(POOL.replace("name", "Gender"), QUOTAS, 2)
    assert "duplicate_column" in codes(problems)


def test_quota_columns_and_numbers() -> None:
    problems = validate_inputs(POOL, "feature,value,minimum,max\ngender,female,1,2\n", 2)
    assert codes(problems) == ["missing_column"]
    assert problems[0].params["table"] == "quotas"
    assert "min" in problems[0].message
    problems = validate_inputs(POOL, QUOTAS.replace("female,1,2", "female,one,2"), 2)
    assert codes(problems) == ["invalid_number"]
    assert "'one'" in problems[0].message


def test_min_greater_than_max() -> None:
    problems = validate_inputs(POOL, QUOTAS.replace("female,1,2", "female,3,2"), 2)
    assert codes(problems) == ["min_greater_than_max"]
    assert "minimum (3) greater than its maximum (2)" in problems[0].message


def test_duplicate_quota() -> None:
    problems = validate_inputs(POOL, QUOTAS + "gender,Female,0,1\n", 2)
    assert codes(problems) == ["duplicate_quota"]


def test_quota_feature_missing_from_pool() -> None:
    problems = validate_inputs(POOL, QUOTAS + "area,urban,0,2\n", 2)
    assert codes(problems) == ["missing_feature"]
    assert problems[0].params["feature"] == "area"


def test_pool_value_without_quota() -> None:
    pool = POOL + "p5,E,nonbinary,old\n"
    problems = validate_inputs(pool, QUOTAS, 2)
    assert codes(problems) == ["value_without_quota"]
    assert problems[0].params == {"feature": "gender", "value": "nonbinary", "count": 1}
    assert "no quota" in problems[0].message


def test_empty_feature_value() -> None:
    problems = validate_inputs(POOL + "p5,E,,old\n", QUOTAS, 2)
    assert codes(problems) == ["empty_value"]
    assert "p5" in problems[0].message


def test_minimums_and_maximums_against_panel_size() -> None:
    problems = validate_inputs(POOL, QUOTAS, 1)
    assert set(codes(problems)) == {"minimums_exceed_panel"}
    assert "add up to 2, more than the panel size of 1" in problems[0].message
    problems = validate_inputs(POOL + "p5,E,male,old\n", QUOTAS, 5)
    assert set(codes(problems)) == {"maximums_below_panel"}
    assert "add up to 4, less than the panel size of 5" in problems[0].message


def test_pool_too_small() -> None:
    quotas = "feature,value,min,max\ngender,female,0,9\ngender,male,0,9\n"
    problems = validate_inputs(
        POOL.replace(",age", "").replace(",young", "").replace(",old", ""), quotas, 6
    )
    assert codes(problems) == ["pool_too_small"]
    assert "4 members, fewer than the panel size of 6" in problems[0].message


def test_not_enough_people_with_a_value() -> None:
    quotas = "feature,value,min,max\ngender,female,3,3\ngender,male,0,3\n"
    problems = validate_inputs(POOL, quotas, 3)
    assert codes(problems) == ["not_enough_people"]
    assert problems[0].params == {"feature": "gender", "value": "female", "min": 3, "count": 2}


def test_invalid_panel_size_and_empty_tables() -> None:
    assert codes(validate_inputs(POOL, QUOTAS, 0)) == ["invalid_panel_size"]
    assert codes(validate_inputs("", QUOTAS, 2)) == ["empty_table"]
    assert codes(validate_inputs("id,gender\n", QUOTAS, 2)) == ["empty_table"]
    assert codes(validate_inputs(POOL, [], 2)) == ["empty_table"]


def test_ragged_row() -> None:
    problems = validate_inputs(POOL + "p5,E,male,old,extra\n", QUOTAS, 2)
    assert codes(problems) == ["row_length"]
    assert problems[0].params["row"] == 6


def test_every_problem_is_reported_at_once() -> None:
    pool = POOL.replace("id,", "ident,")
    quotas = QUOTAS.replace("female,1,2", "female,3,2") + "area,x,0,1\n"
    problems = validate_inputs(pool, quotas, 2)
    assert set(codes(problems)) == {"missing_column", "min_greater_than_max"}
    with pytest.raises(SelectionError) as caught:
        draw_panel(pool, quotas, 2, seed=0, algorithm="leximin")
    assert set(caught.value.codes) >= {
        "leximin_unavailable",
        "invalid_seed",
        "missing_column",
        "min_greater_than_max",
    }
    assert isinstance(caught.value, ValueError)


def test_case_spaces_and_semicolons_are_tolerated() -> None:
    pool = "ID;Gender;Age\np1; Female ;YOUNG\np2;male;old\np3;female;old\np4;MALE;young\n"
    assert validate_inputs(pool, QUOTAS, 2) == []
    assert parse_pool("\ufeff" + POOL).ids == ["p1", "p2", "p3", "p4"]
    quotas = [
        {"feature": "gender", "value": "female", "min": 1, "max": 2},
        {"feature": "gender", "value": "male", "min": "1", "max": "2"},
    ]
    assert parse_quotas(quotas)[1] == Quota("gender", "male", 1, 2)


def test_parse_errors_raise_selection_error() -> None:
    with pytest.raises(SelectionError) as caught:
        parse_pool("name\nx\n")
    assert caught.value.codes == ["missing_column"]
    with pytest.raises(SelectionError):
        parse_quotas("feature,value,min,max\ngender,female,-1,2\n")


# --------------------------------------------------------------------------- replacements

REPLACE_POOL = [
    {"id": "a", "gender": "female", "home": "1"},
    {"id": "b", "gender": "female", "home": "2"},
    {"id": "c", "gender": "male", "home": "3"},
    {"id": "d", "gender": "male", "home": "4"},
    {"id": "e", "gender": "male", "home": "5"},
    {"id": "f", "gender": "female", "home": "3"},
    {"id": "g", "gender": "female", "home": "6"},
    {"id": "h", "gender": "female", "home": "1"},
]
REPLACE_QUOTAS = "feature,value,min,max\ngender,female,2,2\ngender,male,2,2\n"


def test_replacement_keeps_quotas_and_household_rule() -> None:
    panel = ["a", "b", "c", "d"]
    result = replace_member(
        REPLACE_POOL, REPLACE_QUOTAS, panel, "b", ["e", "f", "g", "h"], household_column="home"
    )
    # e is male (quota full), f shares home 3 with c; g fits
    assert result.chosen_id == "g"
    assert result.keeps_quotas
    assert result.position == 3
    assert result.panel == ["a", "g", "c", "d"]
    assert result.alternates == ["e", "f", "h"]
    assert [s["id"] for s in result.skipped] == ["e", "f"]
    assert "household" in result.skipped[1]["reason"]
    assert "above its maximum" in result.skipped[0]["reason"]
    assert "first alternate" in result.reason
    assert result.to_dict()["chosen_id"] == "g"


def test_replacement_may_share_the_leavers_household() -> None:
    result = replace_member(
        REPLACE_POOL, REPLACE_QUOTAS, ["a", "b", "c", "d"], "a", ["h"], household_column="home"
    )
    assert result.chosen_id == "h"


def test_replacement_from_a_drawn_panel(
    drawn: SelectionResult, pool_rows: Rows, quotas_csv: str
) -> None:
    for dropped in drawn.panel[:3]:
        result = replace_member(pool_rows, quotas_csv, drawn.panel, dropped, drawn.alternates)
        tally = counts(pool_rows, result.panel)
        for quota in parse_quotas(quotas_csv):
            assert quota.min <= tally[quota.feature, quota.value] <= quota.max
        # the chosen one is the first alternate that fits
        for earlier in drawn.alternates[: result.position - 1]:
            trial = [earlier if p == dropped else p for p in drawn.panel]
            trial_tally = counts(pool_rows, trial)
            assert any(
                not q.min <= trial_tally[q.feature, q.value] <= q.max
                for q in parse_quotas(quotas_csv)
            )
        assert drawn.alternates[result.position - 1] == result.chosen_id


def test_no_replacement_keeps_quotas() -> None:
    panel = ["a", "b", "c", "d"]
    with pytest.raises(SelectionError) as caught:
        replace_member(REPLACE_POOL, REPLACE_QUOTAS, panel, "c", ["f", "g"])
    assert caught.value.codes == ["no_replacement_keeps_quotas"]
    assert "No alternate keeps every quota" in str(caught.value)
    partial = caught.value.best_partial
    assert partial is not None
    assert not partial.keeps_quotas
    assert partial.chosen_id == "f"
    assert partial.violations
    offered = replace_member(
        REPLACE_POOL, REPLACE_QUOTAS, panel, "c", ["f", "g"], allow_partial=True
    )
    assert offered == partial
    assert "breaks them least" in offered.reason


def test_replacement_errors() -> None:
    panel = ["a", "b", "c", "d"]
    with pytest.raises(SelectionError) as caught:
        replace_member(REPLACE_POOL, REPLACE_QUOTAS, panel, "e", ["f"])
    assert caught.value.codes == ["not_on_panel"]
    with pytest.raises(SelectionError) as none_left:
        replace_member(REPLACE_POOL, REPLACE_QUOTAS, panel, "a", ["b", "zz"])
    assert none_left.value.codes == ["no_alternates"]


def test_selection_error_survives_pickling() -> None:
    error = SelectionError([Problem("pool_too_small", "Too small.", {"pool_size": 3})])
    clone = pickle.loads(pickle.dumps(error))
    assert clone.problems == error.problems
    assert clone.codes == ["pool_too_small"]
    assert str(clone) == "Too small."

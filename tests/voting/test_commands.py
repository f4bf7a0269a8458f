"""The ``assembly tally`` command."""

from __future__ import annotations

import json

from click.testing import CliRunner

from assembly.voting import tally
from assembly.voting.commands import tally_command


def _run(tmp_path, data, *args):
    path = tmp_path / "ballots.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return CliRunner().invoke(tally_command, [*args, "--ballots", str(path)])


def test_list_of_ballots_with_options_flag(tmp_path):
    ballots = [["a", "b"], ["b"], ["b"], ["c", "b"], ["c", "a"]]
    result = _run(tmp_path, ballots, "irv", "--options", "a,b,c")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["winners"] == ["b"]
    assert data == tally("irv", ["a", "b", "c"], ballots).to_dict()


def test_exported_object_recounts_directly(tmp_path):
    options = ["a", "b", "c", "d"]
    ballots = [["a", "b"], ["b", "a"], ["c"], ["d", "c"], ["a"]]
    original = tally("stv", options, ballots, seats=2, tie_break_seed=4)
    exported = {"method": "stv", "options": options, "params": original.params, "ballots": ballots}
    result = _run(tmp_path, exported, "stv")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == original.to_dict()


def test_params_are_read_as_json(tmp_path):
    ballots = [["a", "b"], ["b"], ["a"]]
    result = _run(
        tmp_path,
        ballots,
        "budget",
        "--options",
        "a,b",
        "--param",
        'costs={"a": 10, "b": 5}',
        "--param",
        "budget=12",
        "--param",
        "rule=greedy",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["params"]["costs"] == {"a": 10, "b": 5}
    assert data["params"]["rule"] == "greedy"
    assert data["winners"] == ["a"]


def test_threshold_as_a_fraction(tmp_path):
    ballots = [{"p": "yes"}, {"p": "yes"}, {"p": "no"}]
    result = _run(tmp_path, ballots, "yes_no_abstain", "--options", "p", "--param", "threshold=2/3")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["winners"] == ["p"]


def test_seats_flag(tmp_path):
    ballots = [["a"], ["a"], ["b"], ["c"]]
    result = _run(tmp_path, ballots, "approval", "--options", "a,b,c", "--seats", "2")
    assert json.loads(result.output)["params"]["seats"] == 2


def test_bad_input_exits_with_2_and_a_clear_message(tmp_path):
    cases = [
        (([["a", "a"]], "borda", "--options", "a,b"), "ballot 1: ranks option 'a' twice"),
        (([["a"], ["a", "zz"]], "irv", "--options", "a,b"), "ballot 2: names unknown option 'zz'"),
        (([["a"], "a"], "approval", "--options", "a,b"), "ballot 2: must be a list"),
        (([["a"]], "borda"), "give the options with --options"),
        (([["a"]], "vote", "--options", "a"), "unknown method 'vote'"),
        (([["a"]], "borda", "--options", "a", "--param", "x"), "--param must look like"),
        (([["a"]], "borda", "--options", "a", "--param", "x=1"), "unknown parameter 'x'"),
        (({"ballots": 3}, "borda", "--options", "a"), 'object with a "ballots" list'),
        (
            ({"options": ["a"], "ballots": []}, "borda", "--options", "a,b"),
            "--options differs",
        ),
        (({"method": "irv", "ballots": []}, "borda", "--options", "a"), "for method 'irv'"),
    ]
    for (data, *args), message in cases:
        result = _run(tmp_path, data, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, result.output


def test_unreadable_files(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(
        tally_command, ["borda", "--options", "a", "--ballots", str(tmp_path / "no.json")]
    )
    assert missing.exit_code == 2
    assert "cannot read" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text("[[", encoding="utf-8")
    bad = runner.invoke(tally_command, ["borda", "--options", "a", "--ballots", str(broken)])
    assert bad.exit_code == 2
    assert "not valid JSON" in bad.output


def test_seats_from_a_param_or_the_file(tmp_path):
    ballots = [["a"], ["a"], ["b"], ["c"]]
    by_param = _run(tmp_path, ballots, "approval", "--options", "a,b,c", "--param", "seats=3")
    assert json.loads(by_param.output)["params"]["seats"] == 3
    exported = {"options": ["a", "b", "c"], "ballots": ballots, "seats": 2}
    from_file = _run(tmp_path, exported, "approval")
    assert json.loads(from_file.output)["params"]["seats"] == 2
    bad = _run(tmp_path, {"ballots": ballots, "params": [1]}, "approval", "--options", "a,b,c")
    assert bad.exit_code == 2
    assert '"params"' in bad.output


SAMPLES = {
    "approval": ([["a", "b"], ["b"]], []),
    "score": ([{"a": 5, "b": 3}, {"c": 4}], ["--param", "max=5"]),
    "majority_judgment": ([{"a": 2, "b": 1}, {"c": 2}], ["--param", 'grades=["bad","ok","good"]']),
    "borda": ([["a", "b"], ["c"]], ["--param", "partial=zero"]),
    "schulze": ([["a", "b"], ["c"]], ["--param", "strength=margin"]),
    "ranked_pairs": ([["a", "b"], ["c"]], []),
    "irv": ([["a", "b"], ["c"], ["b"]], []),
    "stv": ([["a", "b"], ["c"], ["b"]], ["--seats", "2"]),
    "dot": ([{"a": 5, "b": 3}, {"c": 4}], ["--param", "budget=8"]),
    "quadratic": ([{"a": 5, "b": -3}, {"c": 4}], ["--param", "credits=34"]),
    "yes_no_abstain": ([{"a": "yes", "b": "no"}, {"c": "abstain"}], ["--param", "quorum=1"]),
    "consent": ([{"a": "support", "b": "block"}, {"c": "neutral"}], []),
    "budget": (
        [["a", "b"], ["c"]],
        ["--param", 'costs={"a": 3, "b": 4, "c": 5}', "--param", "budget=8"],
    ),
}


def test_every_method_recounts_from_the_command_line(tmp_path):
    for method, (ballots, args) in SAMPLES.items():
        result = _run(tmp_path, ballots, method, "--options", "a,b,c", *args)
        assert result.exit_code == 0, (method, result.output)
        data = json.loads(result.output)
        params = {k: v for k, v in data["params"].items() if k != "seats"}
        expected = tally(
            method, ["a", "b", "c"], ballots, seats=data["params"].get("seats", 1), **params
        )
        assert data == expected.to_dict(), method

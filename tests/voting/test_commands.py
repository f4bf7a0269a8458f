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


BLT = (
    "4 2\n"
    "[tie 3 1 2 4]\n"
    "-4\n"
    "5 1 2 0\n"
    "4 2 3 0\n"
    "3 3 0\n"
    "6 4 3 0\n"
    "0\n"
    '"Ann  Lee"\n"Bo \\"the boat\\""\n"Cy Ødegård"\n"Di"\n"Harbour ward"\n'
)


def test_a_blt_file_is_counted_with_its_withdrawal_and_tie_order(tmp_path):
    path = tmp_path / "ward.blt"
    path.write_text(BLT, encoding="utf-8")
    result = CliRunner().invoke(tally_command, ["stv", "--ballots", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["params"]["seats"] == 2
    assert data["params"]["withdrawn"] == ["Di"]
    assert "Di" not in data["winners"]
    assert data["winners"] == ["Cy Ødegård", "Ann  Lee"]
    explanation = data["explanation"]
    assert explanation["withdrawn"] == ["Di"]
    assert explanation["tie_break"]["order"] == ["Cy Ødegård", "Ann  Lee", 'Bo "the boat"', "Di"]
    assert explanation["ballot_file"]["title"] == "Harbour ward"
    assert explanation["ballot_file"]["withdrawn"] == ["Di"]
    assert explanation["ballot_file"]["encoding"] == "UTF-8"
    assert explanation["stage_numbering"]["used"] == "complete"


def test_a_blt_file_in_windows_1252_and_another_ranked_method(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes('3 1\n2 1 0\n1 2 0\n0\n"Åse"\n"Bjørn"\n"Cæcilie"\n"T"\n'.encode("cp1252"))
    result = CliRunner().invoke(tally_command, ["irv", "--ballots", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["winners"] == ["Åse"]
    assert data["explanation"]["ballot_file"]["encoding"] == "Windows-1252"


def test_a_bad_blt_file_names_the_line(tmp_path):
    path = tmp_path / "bad.blt"
    path.write_text('2 1\n1 3 0\n0\n"A"\n"B"\n', encoding="utf-8")
    result = CliRunner().invoke(tally_command, ["stv", "--ballots", str(path)])
    assert result.exit_code == 2
    assert "line 2" in result.output
    assert CliRunner().invoke(tally_command, ["approval", "--ballots", str(path)]).exit_code == 2

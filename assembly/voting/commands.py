"""``assembly tally``: recount exported ballots from the command line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import click
import msgspec

from assembly.voting.errors import InvalidBallot, InvalidParameters
from assembly.voting.registry import METHODS, tally


class BadInput(click.ClickException):
    """Bad input: the message is printed and the command exits with status 2."""

    exit_code = 2


class _Export(msgspec.Struct):
    """An exported ballots file; the ballots stay raw JSON until the options are known."""

    ballots: msgspec.Raw
    options: Any = None
    params: Any = None
    seats: Any = None
    method: Any = None


def _decode_ballots(
    raw: bytes | msgspec.Raw, options: Sequence[str] | None, kind: str | None
) -> Any:
    """Decode ballots; lists of option ids are decoded against the known options, which
    reuses one string object per option instead of creating one per mention (three times
    faster for 100,000 ranked ballots).  Anything that does not fit is decoded as plain
    JSON so that the engine can say precisely what is wrong with it."""
    if options and kind in ("ranking", "approval") and all(isinstance(o, str) for o in options):
        option_id = Literal[tuple(options)]  # type: ignore[valid-type]
        try:
            return msgspec.json.decode(raw, type=list[tuple[option_id, ...]])  # type: ignore[valid-type]
        except msgspec.ValidationError:
            pass
    return msgspec.json.decode(raw)


def read_ballot_file(
    path: str | Path, options: Sequence[str] | None = None, kind: str | None = None
) -> dict[str, Any]:
    """Read a ballots file: a JSON list of ballots, or an object with "ballots" and
    optionally "options", "params", "seats" and "method" (as exports write them).

    ``options`` (else the file's own) and the ballot ``kind`` let ranked and approval
    ballots be decoded fast."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror or error}") from None
    try:
        if data.lstrip()[:1] == b"[":
            return {"ballots": _decode_ballots(data, options, kind)}
        try:
            export = msgspec.json.decode(data, type=_Export)
        except msgspec.ValidationError:
            raise BadInput(
                f'{path} must hold a JSON list of ballots or an object with a "ballots" list'
            ) from None
        ballots = _decode_ballots(export.ballots, options or export.options, kind)
    except msgspec.DecodeError as error:
        raise BadInput(f"{path} is not valid JSON: {error}") from None
    if not isinstance(ballots, list):
        raise BadInput(
            f'{path} must hold a JSON list of ballots or an object with a "ballots" list'
        )
    result = {"ballots": ballots}
    for name in ("options", "params", "seats", "method"):
        value = getattr(export, name)
        if value is not None:
            result[name] = value
    return result


def _decode_text(data: bytes) -> tuple[str, str]:
    """Text of a ballot file: UTF-8 (with or without a byte-order mark), else Windows-1252,
    which older counting programs write."""
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def read_blt_file(path: str | Path, method: str) -> dict[str, Any]:
    """A BLT file as ``read_ballot_file`` gives a JSON one, with what it said besides the
    ballots under "ballot_file" (reported in the count's explanation).

    Its withdrawn candidates and tie order become STV's ``withdrawn`` and ``tie_order``;
    another ranked method counts the ballots with the withdrawn candidates taken off them.
    """
    # Imported here: the BLT format belongs to the exports, and only this command reads it.
    from assembly.exports.blt import BltError, read_blt

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror or error}") from None
    text, encoding = _decode_text(data)
    try:
        election = read_blt(text)
        options, ballots, params = election.count_input()
    except BltError as error:
        raise BadInput(f"{path}: {error}") from None
    described = {**election.describe(options), "encoding": encoding}
    if method != "stv":
        withdrawn = set(params.pop("withdrawn", ()))
        if params.pop("tie_order", None) is not None:
            described["tie_order_applied"] = False
        if withdrawn:
            options = [o for o in options if o not in withdrawn]
            ballots = [[o for o in b if o not in withdrawn] for b in ballots]
    return {
        "ballots": ballots,
        "options": options,
        "seats": election.seats,
        "params": params,
        "ballot_file": described,
    }


def _is_blt(path: str) -> bool:
    """A BLT file by its name, or by its first character (a digit, not JSON)."""
    if path.lower().endswith(".blt"):
        return True
    try:
        with open(path, "rb") as handle:
            start = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return start[:1].isdigit() or start[:1] in (b"#", b"/")


def parse_param(text: str) -> tuple[str, Any]:
    """``k=v``, the value read as JSON when it is JSON (5, 0.5, {"a": 10}), else as text."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise BadInput(f"--param must look like name=value, not {text!r}")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


@click.command("tally")
@click.argument("method")
@click.option("--options", "options_text", help="Option ids, comma-separated (A,B,C).")
@click.option(
    "--ballots",
    "ballots_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="JSON file (a list of ballots, or an exported object with options and ballots) "
    "or a BLT file (ranked ballots, as STV programs read them).",
)
@click.option("--seats", type=int, default=None, help="Number of seats (multi-winner methods).")
@click.option(
    "--param",
    "param_texts",
    multiple=True,
    metavar="NAME=VALUE",
    help='A method parameter; repeatable. Values are JSON when possible: costs={"a":10}.',
)
@click.option("--indent", type=int, default=2, show_default=True, help="JSON indentation.")
def tally_command(
    method: str,
    options_text: str | None,
    ballots_path: str,
    seats: int | None,
    param_texts: tuple[str, ...],
    indent: int,
) -> None:
    """Count the ballots in a file by METHOD and print the result as JSON.

    Methods: approval, score, majority_judgment, borda, schulze, ranked_pairs, irv, stv,
    dot, quadratic, yes_no_abstain, consent, budget.
    """
    if method not in METHODS:
        raise BadInput(f"unknown method {method!r}; known methods: {', '.join(METHODS)}")
    options = [o.strip() for o in options_text.split(",")] if options_text else None
    if _is_blt(ballots_path):
        if METHODS[method].ballot != "ranking":
            raise BadInput(f"a BLT file holds ranked ballots; method {method!r} counts others")
        data = read_blt_file(ballots_path, method)
    else:
        data = read_ballot_file(ballots_path, options, METHODS[method].ballot)
    if "method" in data and data["method"] != method:
        raise BadInput(
            f"{ballots_path} holds ballots for method {data['method']!r}, not {method!r}"
        )
    stored = data.get("options")
    if options is None:
        if stored is None:
            raise BadInput("give the options with --options A,B,C (the file does not list them)")
        options = stored
    elif stored is not None and sorted(options) != sorted(stored):
        raise BadInput("--options differs from the options listed in the ballots file")
    stored_params = data.get("params") or {}
    if not isinstance(stored_params, dict):
        raise BadInput(f'"params" in {ballots_path} must be an object')
    cli_params = dict(parse_param(text) for text in param_texts)
    params = {**stored_params, **cli_params}
    params.pop("seats", None)
    if seats is None:  # else --param seats=N, the file's "seats", its params' seats, 1
        choices = (cli_params.get("seats"), data.get("seats"), stored_params.get("seats"), 1)
        seats = next(s for s in choices if s is not None)
    try:
        result = tally(method, options, data["ballots"], seats=seats, **params)
    except (InvalidBallot, InvalidParameters) as error:
        raise BadInput(str(error)) from None
    if "ballot_file" in data:
        result.explanation["ballot_file"] = data["ballot_file"]
    click.echo(json.dumps(result.to_dict(), indent=indent or None, ensure_ascii=False))

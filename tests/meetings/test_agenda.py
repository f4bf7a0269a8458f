"""The run of show as plain values: presses, clocks, drift, speaking order and evenness."""

from __future__ import annotations

import datetime as dt

import pytest

from assembly.meetings import agenda

T0 = dt.datetime(2026, 3, 14, 18, 0, tzinfo=dt.UTC)


def at(seconds: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_a_clock_runs_pauses_and_is_extended() -> None:
    clock = agenda.ItemClock("pending", planned_seconds=600)
    clock = agenda.press(clock, "start", at(0))
    assert clock.remaining(at(100)) == 500
    assert clock.ends_at(at(100)) == at(600)
    clock = agenda.press(clock, "pause", at(200))
    assert clock.remaining(at(5000)) == 400  # a pause stops the clock
    assert clock.ends_at(at(5000)) is None
    clock = agenda.press(clock, "resume", at(5000))
    clock = agenda.press(clock, "extend", at(5100))
    assert clock.remaining(at(5100)) == 300 + agenda.EXTEND_SECONDS
    clock = agenda.press(clock, "finish", at(5700))
    assert (clock.status, clock.run_seconds) == ("done", 900)


@pytest.mark.parametrize(
    ("status", "action", "code"),
    [
        ("running", "start", "not_pending"),
        ("pending", "pause", "not_running"),
        ("running", "resume", "not_paused"),
        ("pending", "extend", "not_open"),
        ("done", "finish", "not_open"),
        ("skipped", "skip", "closed"),
        ("pending", "jump", "unknown"),
    ],
)
def test_presses_that_do_not_fit_are_refused(status: str, action: str, code: str) -> None:
    with pytest.raises(agenda.AgendaError) as caught:
        agenda.press(agenda.ItemClock(status, 60), action, T0)
    assert caught.value.code == code


def test_skipping_an_item_not_run_gives_its_time_back() -> None:
    clock = agenda.press(agenda.ItemClock("pending", 600), "skip", T0)
    assert clock.status == "skipped"
    done = agenda.ItemClock("done", 600, run_seconds=900)
    result = agenda.drift([done, clock], T0)
    assert result.seconds == 300 - 600
    assert not result.behind


def test_drift_counts_overruns_and_a_running_item_only_once_over() -> None:
    done = agenda.ItemClock("done", 600, run_seconds=660)
    running = agenda.ItemClock("running", 300, running_since=at(0))
    assert agenda.drift([done, running], at(200)).seconds == 60
    assert agenda.drift([done, running], at(400)).seconds == 160
    assert agenda.drift([done, running], at(400)).behind
    assert agenda.drift([done, running], at(400)).planned_total == 900


def test_speaking_order_invites_the_quietest_first() -> None:
    seats = ["a", "b", "c", "d"]
    assert agenda.speaking_order(seats, {}) == seats
    assert agenda.speaking_order(seats, {"a": 2, "b": 1, "d": 1}) == ["c", "b", "d", "a"]


def test_equity_is_one_when_turns_are_even_and_falls_as_one_dominates() -> None:
    assert agenda.equity([3, 3, 3]) == 1.0
    assert agenda.equity([9, 0, 0]) == 0.0
    middle = agenda.equity([4, 2, 1])
    assert middle is not None
    assert 0 < middle < 1
    assert agenda.equity([5]) is None
    assert agenda.equity([0, 0]) is None

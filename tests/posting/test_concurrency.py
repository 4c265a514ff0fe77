"""Two clerks racing for the same serials in two processes, many rounds: every unit moves
exactly once, the loser is refused naming the contested serials (never a crash or a deadlock
surfacing), and nothing else changes."""

from __future__ import annotations

import multiprocessing as mp
from collections import Counter
from typing import Any

import pytest

from tests.conftest import Cli
from tests.helpers.concurrency import race
from tests.helpers.tally import assert_counts_agree_at

pytestmark = pytest.mark.slow
ROUNDS = 25


def check_one_winner(outcomes: list[tuple], contested: list[set[str]]) -> Counter:
    crashes = [o for o in outcomes if o[2] == "crashed"]
    assert not crashes, crashes
    codes: Counter = Counter()
    for index, overlap in enumerate(contested):
        this_round = [o for o in outcomes if o[1] == index]
        posted = [o for o in this_round if o[2] == "posted"]
        lost = [o for o in this_round if o[2] == "refused"]
        assert len(posted) == 1 and len(lost) == 1, this_round
        named = {serial for _code, serial in lost[0][4]}
        assert named == overlap, (index, lost[0])
        codes.update(code for code, _serial in lost[0][4])
    return codes


def plans_for(prefix: str) -> tuple[dict[str, list[list[str]]], list[set[str]], list[str]]:
    """Round r: clerk A takes serials 0-7 of the round's block, clerk B 3-9 (3-7 contested);
    A's list is in ascending order, B's descending, to invite opposite lock orders."""
    plans: dict[str, list[list[str]]] = {"A": [], "B": []}
    contested: list[set[str]] = []
    everything: list[str] = []
    for r in range(ROUNDS):
        block = [f"{prefix}-{r:03d}-{i}" for i in range(10)]
        everything += block
        plans["A"].append(block[:8])
        plans["B"].append(list(reversed(block[3:])))
        contested.append(set(block[3:8]))
    return plans, contested, everything


def test_two_clerks_ship_overlapping_serials(cli: Cli) -> None:
    cli("product", "add", "HT-1", "--tracking", "serial")
    cli("warehouse", "add", "WH1")
    cli("party", "add", "Customer A", "--customer")
    plans, contested, everything = plans_for("S")
    listing = cli.cwd / "serials.txt"
    listing.write_text("\n".join(everything))
    cli("receive", "-w", "WH1", "-p", "HT-1", "--serials-file", str(listing))

    outcomes = race(cli.url, "ship", plans)
    codes = check_one_winner(outcomes, contested)
    assert codes["conflict"] >= 1, codes  # the race itself is reported as a conflict

    # Every unit shipped at most once; exactly the winners' serials shipped, all others in stock.
    shipped: set[str] = set()
    for name, index, state, _number, _problems in outcomes:
        if state == "posted":
            shipped |= set(plans[name][index])
    out = cli.json("stock", "--out-of-storage")["out_of_storage"]
    assert sorted(r["serial"] for r in out) == sorted(shipped)
    in_stock = cli.json("stock")["units"][0]["serials"]
    assert sorted(in_stock) == sorted(set(everything) - shipped)
    for serial in sorted(contested[0]):
        moves = cli.json("history", serial)["movements"]
        assert [m["to_status"] for m in moves] == ["in_stock", "shipped"]
    assert_counts_agree_at(cli.url)  # the report's counts: the winners' moves only


def test_two_clerks_receive_overlapping_serials(cli: Cli) -> None:
    cli("product", "add", "HT-1", "--tracking", "serial")
    cli("warehouse", "add", "WH1")
    plans, contested, _everything = plans_for("R")
    outcomes = race(cli.url, "receive", plans)
    check_one_winner(outcomes, contested)
    received = {serial for units in cli.json("stock")["units"] for serial in units["serials"]}
    expected: set[str] = set()
    for name, index, state, _n, _p in outcomes:
        if state == "posted":
            expected |= set(plans[name][index])
    assert received == expected
    assert_counts_agree_at(cli.url)


def test_two_clerks_scan_overlapping_serials_into_one_draft(cli: Cli) -> None:
    """Two benches scan into the same receipt draft at once, one serial per request, their
    lists overlapping in opposite orders: every serial is kept once, accepted for exactly one
    of them, and the draft's count is the number of serials it holds."""
    from tests.race_worker import draft_state, open_draft, scanner

    cli("product", "add", "HT-1", "--tracking", "serial")
    cli("warehouse", "add", "WH1")
    ctx = mp.get_context("spawn")
    results = ctx.Queue()

    def run(target: Any, *args: Any) -> Any:
        proc = ctx.Process(target=target, args=(cli.url, *args, results))
        proc.start()
        out = results.get(timeout=300)
        proc.join(timeout=60)
        return out

    draft_id = run(open_draft)
    serials = [f"SCAN-{n:03d}" for n in range(300)]
    plans = {"A": serials[:200], "B": list(reversed(serials[100:]))}
    barrier = ctx.Barrier(len(plans))
    procs = [ctx.Process(target=scanner, args=(cli.url, name, draft_id, plan, barrier, results))
             for name, plan in plans.items()]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert [error for _name, _accepted, error in outcomes if error] == []
    accepted = Counter(serial for _name, got, _error in outcomes for serial in got)
    assert sorted(accepted) == serials and set(accepted.values()) == {1}
    stored, summary, counter = run(draft_state, draft_id)
    assert sorted(stored) == serials
    assert summary == counter == len(serials)

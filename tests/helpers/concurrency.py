"""Clerks racing in separate processes (tests/race_worker.py), all starting at one barrier."""

from __future__ import annotations

import multiprocessing as mp

from tests.race_worker import clerk


def race(url: str, kind: str, plans: dict[str, list[list[str]]]) -> list[tuple]:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(plans))
    results = ctx.Queue()
    procs = [ctx.Process(target=clerk, args=(url, name, kind, rounds, barrier, results))
             for name, rounds in plans.items()]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=300) for _ in range(sum(len(r) for r in plans.values()))]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return outcomes

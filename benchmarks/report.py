"""The report: sections of rows (the console prints them as tables, `--markdown` writes them as
Markdown), every target with its figure and PASS or MISS."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from benchmarks.api import (
    API_UNITS,
    API_WORKERS,
    BIG_DRAFT,
    OPEN_CLIENTS,
    OPEN_RATE,
    TARGET_API_P99_MS,
    TARGET_BIG_DRAFT_P99_MS,
    TARGET_LOOKUP_RPS,
    TARGET_OPEN_P99_MS,
    TARGET_SCAN_RPS,
    ApiResults,
)
from benchmarks.common import SKU, Json, percentile
from benchmarks.receipts import (
    LOOKUPS,
    SHIP_SIZE,
    TARGET_P99_MS,
    TARGET_PEAK_MB,
    TARGET_RATIO,
    TARGET_SIZE,
    TARGET_VALUATION_SECONDS,
    UNIT_COST,
    VALUATION_RUNS,
    Results,
)


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(all_results: list[Results], sizes: Sequence[int], api: ApiResults | None = None
           ) -> list[Section]:
    receipts = Section("Receipts", ["database", "path", "serials", "seconds", "serials/s",
                                    "baseline MB", "peak MB", "receipt MB", "× raw"], [], note=(
        "Each row on its own fresh database, in its own process. Raw driver: sqlite3 executemany / "
        "PostgreSQL COPY of the same unit and ledger rows. Baseline: the process's RSS high-water mark "
        "just before the receipt (service layer: Django loaded, serial list built; CLI: the peak of "
        "`serialtrack product list --json`). Receipt MB = peak - baseline. × raw = seconds / raw "
        "driver seconds for the same size."))
    other = Section("Shipment and lookups", ["database", "measure", "result"], [], note=(
        "On the database of the largest service-layer receipt, right after it; PostgreSQL tables "
        "ANALYZEd first (as autovacuum would). Lookups: random serials, after 200 warm-up lookups."))
    targets = Section("Targets", ["database", "target", "measured", "verdict"], [])
    top = max(sizes) if sizes else TARGET_SIZE
    scale = "" if top == TARGET_SIZE else f" (target set at {TARGET_SIZE:,})"
    for res in all_results:
        db = res.backend.label
        for size in sizes:
            raw = res.receipts.get(("raw", size))
            for path in ("service", "cli", "raw"):
                r = res.receipts.get((path, size))
                if r is None:
                    continue
                base = r.get("baseline_mb")
                receipts.rows.append([
                    db, {"service": "service layer", "cli": "CLI", "raw": "raw driver"}[path],
                    f"{size:,}", f"{r['seconds']:.2f}", f"{size / r['seconds']:,.0f}",
                    f"{base:.0f}" if base is not None else "–", f"{r['peak_mb']:.0f}",
                    f"{r['peak_mb'] - base:.0f}" if base is not None else "–",
                    f"{r['seconds'] / raw['seconds']:.2f}" if raw else "–",
                ])
        if res.ship:
            seconds = res.ship["seconds"]
            other.rows.append([db, f"shipment of {SHIP_SIZE:,} random serials, {res.history_units:,} "
                               "in stock", f"{seconds:.2f} s, {SHIP_SIZE / seconds:,.0f} serials/s"])
        if res.history:
            for name in ("unit_history", "find_unit"):
                h = res.history[name]
                other.rows.append([db, f"{name}(serial, product) at {res.history_units:,} units, "
                                   f"{LOOKUPS:,} lookups",
                                   f"median {h['median_ms']:.2f} ms, p99 {h['p99_ms']:.2f} ms"])
        if res.valuation:
            for name, label in (("now", "now"), ("past", "at a past moment (before the shipment)")):
                v = res.valuation[name]
                other.rows.append([db, f"valuation {label} at {res.history_units:,} units "
                                   f"(each at {UNIT_COST}), best of {VALUATION_RUNS}",
                                   f"{v['best_s']:.2f} s (median {v['median_s']:.2f} s), "
                                   f"value {v['value']}"])
            past = res.valuation["past"]["median_s"]
            targets.rows.append([db, f"valuation at a past date < {TARGET_VALUATION_SECONDS:g} s "
                                 f"at {res.history_units:,} units{scale}", f"{past:.2f} s",
                                 verdict(past < TARGET_VALUATION_SECONDS)])
        service, raw = res.receipts.get(("service", top)), res.receipts.get(("raw", top))
        if service and raw:
            ratio = service["seconds"] / raw["seconds"]
            targets.rows.append([db, f"receipt of {top:,} within {TARGET_RATIO:g}× raw{scale}",
                                 f"{ratio:.2f}×", verdict(ratio <= TARGET_RATIO)])
        for path, label in (("service", "service layer"), ("cli", "CLI")):
            r = res.receipts.get((path, top))
            if r:
                targets.rows.append([db, f"peak memory of a {top:,} receipt ({label}) "
                                     f"< {TARGET_PEAK_MB:.0f} MB{scale}",
                                     f"{r['peak_mb']:.0f} MB", verdict(r["peak_mb"] < TARGET_PEAK_MB)])
        if res.history:
            p99 = res.history["unit_history"]["p99_ms"]
            targets.rows.append([db, f"unit_history p99 < {TARGET_P99_MS:g} ms at "
                                 f"{res.history_units:,} units{scale}", f"{p99:.2f} ms",
                                 verdict(p99 < TARGET_P99_MS)])
        if res.error:
            targets.rows.append([db, f"run failed: {res.error.splitlines()[0]}", "–", "MISS"])
    sections = [receipts, other, targets] if all_results else [targets]
    if api is not None:
        sections.insert(len(sections) - 1, api_section(api))
        targets.rows += api_targets(api)
    return sections


API_LABELS = {
    "unit": f"GET /api/products/{SKU}/units/{{serial}}",
    "by_serial": "GET /api/units/by-serial/{serial}",
    "scan_open": (f"POST /api/drafts/{{id}}/serials, 1 new serial, draft empty at start, OPEN LOOP: "
                  f"{OPEN_RATE:g} scans/s from {OPEN_CLIENTS} clients"),
    "scan": "POST /api/drafts/{id}/serials, 1 new serial, draft empty at start",
    "scan_big_1": f"POST /api/drafts/{{id}}/serials, 1 new serial, draft of {BIG_DRAFT:,}, ONE client",
    "scan_big": f"POST /api/drafts/{{id}}/serials, 1 new serial, draft of {BIG_DRAFT:,}",
}


def server_stats(run: Json) -> tuple[float, float] | None:
    times = run.get("server") or []
    return (statistics.median(times), percentile(times, 99)) if times else None


def api_section(api: ApiResults) -> Section:
    section = Section(f"API ({api.units:,} units on {api.backend.label})", [
        "endpoint", "requests", "requests/s", "median ms", "p99 ms", "max ms", "server median ms",
        "server p99 ms", "server CPU ms/request", "failed", "CPU: clients / server / rest"], [], note=(
        f"Client processes (Python, a minimal HTTP/1.1 client on a socket each) against "
        f"`serialtrack serve --workers {API_WORKERS}` on 127.0.0.1, all on the same cores; "
        f"{api.warmup:g} s warm-up, then {api.seconds:g} s measured. {api.clients} clients back to back "
        "(each sends its next request when it has the answer) unless the row says otherwise. Client "
        "times run from sending the request (connecting included: the server closes every connection) "
        f"to its last byte. OPEN LOOP row: {OPEN_CLIENTS} clients send {OPEN_RATE:g} requests/s in all "
        f"on a fixed schedule whatever the answers, {api.open_seconds:g} s measured; its client times "
        "run from each request's SCHEDULED send time, so a request held up behind a slow answer or a "
        "late wake-up counts the wait (send lag: actual send - scheduled send). Server times: the "
        "access log's request time for the same requests (request parsed to "
        "response written, in the worker). Server CPU ms/request: the workers' CPU time over the window / "
        "requests measured. CPU: cores' worth used over the measured window by the "
        "clients, the server's workers, and everything else on the machine (other work, kernel)."))
    for tag, label in API_LABELS.items():
        run = api.runs.get(tag)
        if run is None:
            continue
        srv = server_stats(run)
        window = run["window_s"] or api.seconds
        section.rows.append([
            label, f"{run['requests']:,}", f"{run['rps']:,.0f}", f"{run['median_ms']:.1f}",
            f"{run['p99_ms']:.1f}", f"{run['max_ms']:.1f}", f"{srv[0]:.1f}" if srv else "–",
            f"{srv[1]:.1f}" if srv else "–",
            f"{run['server_cpu_s'] * 1000 / run['requests']:.2f}" if run["requests"] else "–",
            f"{run['errors']:,}",
            f"{run['client_cpu_s'] / window:.2f} / {run['server_cpu_s'] / window:.2f} / "
            f"{max(0.0, run['machine_cpu_s'] - run['client_cpu_s'] - run['server_cpu_s']) / window:.2f}"])
        if run.get("lag_p99_ms") is not None:
            section.rows.append([
                f"  … sent on schedule: lag p99 {run['lag_p99_ms']:.1f} ms, max {run['lag_max_ms']:.1f} "
                f"ms; {run['requests']:,} measured of {run['rate'] * api.open_seconds:,.0f} scheduled",
                "", "", "", "", "", "", "", "", "", ""])
        counts = api.scanned.get(tag)
        if counts:
            held = sum(counts["sizes"]) - counts["prefill"] * len(counts["sizes"])
            section.rows.append([
                f"  … scans accepted: {run['accepted']:,} of {run['sent']:,} answered "
                f"({run['refused']:,} refused); the drafts now hold {held:,} scans beyond their "
                f"{counts['prefill']:,} each", "", "", "", "", "", "", "", "", "",
                "consistent" if held == run["accepted"] else "MISMATCH"])
    if api.seed_seconds is not None:
        section.rows.append([f"seeding {api.units:,} units (posting.receive)",
                             "", "", "", "", "", "", "", "", "", f"{api.seed_seconds:.1f} s"])
    return section


def api_targets(api: ApiResults) -> list[list[str]]:
    db = api.backend.label
    scale = "" if api.units == API_UNITS else f" (target set at {API_UNITS:,})"
    rows = []
    for tag in ("unit", "by_serial"):
        run = api.runs.get(tag)
        if run:
            rows.append([db, f"{API_LABELS[tag]} p99 < {TARGET_API_P99_MS:g} ms, {api.clients} clients, "
                         f"{api.units:,} units{scale}", f"{run['p99_ms']:.1f} ms",
                         verdict(run["p99_ms"] < TARGET_API_P99_MS)])
            rows.append([db, f"{API_LABELS[tag]} > {TARGET_LOOKUP_RPS:g} requests/s{scale}",
                         f"{run['rps']:,.0f}/s", verdict(run["rps"] > TARGET_LOOKUP_RPS)])
    run = api.runs.get("scan_open")
    if run:
        failed = f", {run['errors']:,} failed" if run["errors"] else ""
        rows.append([db, f"scan into a draft, open loop of {OPEN_RATE:g} scans/s from {OPEN_CLIENTS} "
                     f"clients: p99 from the scheduled send < {TARGET_OPEN_P99_MS:g} ms, no failure{scale}",
                     f"{run['p99_ms']:.1f} ms{failed}",
                     verdict(run["p99_ms"] < TARGET_OPEN_P99_MS and not run["errors"])])
    run = api.runs.get("scan")
    if run:
        rows.append([db, f"scan capacity: {api.clients} clients back to back ≥ {TARGET_SCAN_RPS:,.0f} "
                     f"scans/s{scale}", f"{run['rps']:,.0f}/s", verdict(run["rps"] >= TARGET_SCAN_RPS)])
        rows.append([db, f"scan p99 at that saturation ({api.clients} clients back to back): recorded, "
                     "no target", f"{run['p99_ms']:.1f} ms", "–"])
    for tag in ("scan_big_1", "scan_big"):
        run = api.runs.get(tag)
        srv = server_stats(run) if run else None
        if run and srv:
            who = "one clerk scanning" if run["clients"] == 1 else f"{run['clients']} clients at once"
            rows.append([db, f"server time per scan, {BIG_DRAFT:,}-serial draft open, p99 < "
                         f"{TARGET_BIG_DRAFT_P99_MS:g} ms ({who}){scale}",
                         f"{srv[1]:.1f} ms", verdict(srv[1] < TARGET_BIG_DRAFT_P99_MS)])
    if api.error:
        rows.append([db, f"API run failed: {api.error.splitlines()[0]}", "–", "MISS"])
    return rows


def print_sections(console: Console, sections: list[Section]) -> None:
    for section in sections:
        table = Table(title=section.title, title_justify="left", caption=section.note or None,
                      caption_justify="left")
        for i, header in enumerate(section.headers):
            table.add_column(header, justify="left" if i < 2 or header == "target" else "right")
        for row in section.rows:
            table.add_row(*[{"PASS": "[bold green]PASS[/]", "MISS": "[bold red]MISS[/]"}.get(c, c)
                            for c in row])
        console.print(table)


def markdown(sections: list[Section], environment: list[str]) -> str:
    out = ["# serialtrack benchmark results", "", *[f"- {line}" for line in environment], ""]
    for section in sections:
        out += [f"## {section.title}", "", "| " + " | ".join(section.headers) + " |",
                "|" + "|".join("---" if i < 2 else "---:" for i in range(len(section.headers))) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in section.rows]
        out += ["", section.note, ""] if section.note else [""]
    return "\n".join(out)

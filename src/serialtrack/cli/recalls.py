"""`serialtrack recall …`: the recall's report and its customer notification list. `recall
create` and `recall hold` are postings, declared in `serialtrack.posting.recalls` and added to
this group by `add_posting_commands`.

    serialtrack recall create --lot L77 --reason "capacitor fault"
    serialtrack recall show RCL-000001
    serialtrack recall hold RCL-000001
    serialtrack recall export RCL-000001 --format xlsx -o customers.xlsx
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from serialtrack.cli.common import JsonOpt, command, emit, out

recall_app = typer.Typer(
    no_args_is_help=True,
    help="Recalls: create (find every affected unit and lot quantity), show the report, hold "
         "everything still in stock, export the customer notification list.")


@recall_app.command("show")
@command
def recall_show(
    number: Annotated[str, typer.Argument(metavar="RCL-NUMBER")],
    limit: Annotated[int, typer.Option("--limit", help="Units listed (0: all).")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """The recall's report: progress, where every affected unit and lot quantity is, its
    customers."""
    from serialtrack.queries.recalls import recall_report

    data = recall_report(number, limit=limit or None)  # type: ignore[arg-type]
    emit(data, as_json, _render)


def _render(d: dict[str, Any]) -> None:
    out.print(f"[bold]{d['recall']}[/] recall · posted {d['posted_at']} by {d['posted_by']}",
              highlight=False)
    out.print(f"  reason: {d['reason']}", highlight=False)
    out.print("  selected by: " + ", ".join(f"{k} {v}" for k, v in d["criteria"].items()),
              highlight=False)
    progress = d["progress"]
    out.print("  progress: " + " · ".join(
        f"{key.replace('_', ' ')} {v['units']} units, {v['quantity']} lot qty"
        for key, v in progress.items()), highlight=False)
    if d["holds"]:
        out.print(f"  held by: {', '.join(d['holds'])}", highlight=False)
    if d["units"]:
        table = Table("product", "serial", "lot", "status", "where", "document", "date")
        for u in d["units"]:
            where = (f"{u['warehouse']}/{u['bin']}" if u["warehouse"] else
                     f"inside {u['inside']}" if u["inside"] else u["customer"] or "")
            if u["contains"]:
                where += f" (contains {u['contains']})"
            table.add_row(u["product"], u["serial"], u["lot"] or "", u["status"], where,
                          u["document"] or "", (u["date"] or "")[:10])
        out.print(table)
        if d["units_total"] > len(d["units"]):
            out.print(f"  … {d['units_total'] - len(d['units'])} more units (--limit 0: all)",
                      highlight=False)
    if d["quantities"]:
        table = Table("product", "lot", "status", "where", "quantity")
        for q in d["quantities"]:
            table.add_row(q["product"], q["lot"], q["status"], f"{q['warehouse']}/{q['bin']}",
                          str(q["quantity"]))
        out.print(table)
    if d["quantities_shipped"]:
        table = Table("customer", "document", "date", "product", "lot", "shipped", "returned")
        for s in d["quantities_shipped"]:
            table.add_row(s["customer"] or "", s["document"], s["date"][:10], s["product"],
                          s["lot"], str(s["quantity"]), str(s["returned"]))
        out.print(table)
    for c in d["customers"]:
        reach = ", ".join(c[f] for f in ("contact", "email", "phone") if c.get(f))
        out.print(f"  customer {c['customer']}: {c['units']} units, {c['quantity']} lot qty"
                  + (f" ({reach})" if reach else ""), highlight=False)


@recall_app.command("export")
@command
def recall_export(
    number: Annotated[str, typer.Argument(metavar="RCL-NUMBER")],
    output: Annotated[Path, typer.Option("--output", "-o", dir_okay=False,
                                         help="File to write (- for standard output).")],
    fmt: Annotated[str, typer.Option("--format", help="csv | xlsx")] = "csv",
    as_json: JsonOpt = False,
) -> None:
    """The customer notification list: one row per customer with their serials and lot
    quantities."""
    from serialtrack.errors import InvalidInput, Problem
    from serialtrack.queries.recalls import notification_csv, notification_rows, notification_xlsx

    if fmt not in ("csv", "xlsx"):
        raise InvalidInput([Problem("invalid", f"format {fmt!r}: csv or xlsx", field="format")])
    content = notification_csv(number) if fmt == "csv" else notification_xlsx(number)
    if str(output) == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    directory = output.resolve().parent
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{output.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    data = {"output": str(output), "format": fmt, "customers": len(notification_rows(number))}
    emit(data, as_json, lambda d: out.print(
        f"{d['customers']} customer(s) → {d['output']}", highlight=False))

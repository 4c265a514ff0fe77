"""`serialtrack check-serials`: existing units whose serials break the serial policy (README:
serial policy), reported and never rewritten (`correct-serial` renames one, with an audit)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from serialtrack.cli.common import JsonOpt, command, emit, out


@command
def check_serials(
    product: Annotated[str | None, typer.Option("--product", "-p", help="Only this SKU.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Report units whose serials break the serial policy (look-alike, invisible or non-NFC
    characters, text the product's settings or pattern refuse). Changes nothing."""
    from serialtrack.queries.serial_policy import policy_breaches

    rows = list(policy_breaches(product))

    def render(data: dict[str, Any]) -> None:
        if not data["units"]:
            out.print("every serial follows the serial policy", highlight=False)
            return
        table = Table("product", "serial", "status", "field", "why")
        for r in data["units"]:
            table.add_row(r["product"], r["serial"], r["status"], r["field"], r["message"])
        out.print(table)
        out.print(f"{data['count']} unit(s) break the serial policy; nothing was changed",
                  highlight=False)

    emit({"count": len(rows), "units": rows}, as_json, render)

"""Money reports on the command line: `valuation` and `cogs` (`stock --at` and `history --at` are
in app.py beside their commands). Thin: parse, call `serialtrack.queries.money`, render."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from serialtrack.cli.common import JsonOpt, command, emit, out

AtOpt = Annotated[str | None, typer.Option(
    "--at", help="A past moment: a date YYYY-MM-DD (the end of that day, business time zone) "
                 "or an ISO 8601 timestamp. Default: now.")]


@command
def valuation(
    at: AtOpt = None,
    warehouse: Annotated[str | None, typer.Option("--warehouse", "-w")] = None,
    product: Annotated[str | None, typer.Option("--product", "-p")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Stock value by warehouse, product and lot, now or at a past moment: serialized units at
    their own cost, lots and plain quantities at their FIFO layers' cost."""
    from serialtrack.queries.money import show_money, valuation

    data = valuation(at, warehouse, product)

    def render(d: dict[str, Any]) -> None:
        table = Table("warehouse", "product", "lot", "quantity", "value",
                      title=f"Stock value at {d['at'][:19].replace('T', ' ')}")
        for ln in d["lines"]:
            table.add_row(ln["warehouse"], ln["product"], ln["lot"] or "", str(ln["quantity"]),
                          show_money(ln["value"]))
        table.add_row("total", "", "", str(d["quantity"]), show_money(d["value"]), style="bold")
        out.print(table)

    emit(data, as_json, render)


@command
def cogs(
    date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    date_to: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (included).")],
    customer: Annotated[str | None, typer.Option("--customer")] = None,
    product: Annotated[str | None, typer.Option("--product", "-p")] = None,
    lines: Annotated[bool, typer.Option("--lines", help="Also list each document line.")]
    = False,
    as_json: JsonOpt = False,
) -> None:
    """Cost of goods sold, revenue and gross margin in a period, by customer and by product:
    shipments at the cost that left stock, less returns at the cost they came back at, plus the
    expensed part of landed costs; revenue at the unit price of the sales order line each
    shipment line filled (shipments without one are counted as unpriced)."""
    from serialtrack.queries.money import cogs as cogs_report
    from serialtrack.queries.money import show_money

    data = cogs_report(date_from, date_to, customer, product)

    def render(d: dict[str, Any]) -> None:
        if lines:
            detail = Table("time", "document", "kind", "customer", "product", "lot", "quantity",
                           "sales order", "revenue", "cost of goods")
            for ln in d["lines"]:
                order = (f"{ln['sales_order']}/{ln['order_line']}" if ln["sales_order"] else "")
                detail.add_row(ln["time"][:19].replace("T", " "), ln["document"], ln["kind"],
                               ln["customer"] or "", ln["product"], ln["lot"] or "",
                               str(ln["quantity"]), order,
                               "unpriced" if ln["revenue"] is None else show_money(ln["revenue"]),
                               show_money(ln["cogs"]))
            out.print(detail)

        def row(table: Table, names: list[str], t: dict[str, Any], **style: Any) -> None:
            table.add_row(*names, str(t["quantity"]), show_money(t["revenue"]),
                          show_money(t["cogs"]), show_money(t["margin"]),
                          "" if t["margin_percent"] is None else f"{t['margin_percent']} %",
                          str(t["unpriced"]["quantity"]) if t["unpriced"]["lines"] else "",
                          **style)

        columns = ("quantity", "revenue", "cost of goods", "gross margin", "margin %", "unpriced")
        for key, heads in (("by_customer", ["customer"]), ("by_product", ["product"])):
            table = Table(*heads, *columns,
                          title=f"{key.replace('_', ' ').capitalize()} {d['from']} – {d['to']}")
            for t in d[key]:
                row(table, [t[h] or "—" for h in heads], t)
            row(table, ["total"], d["totals"], style="bold")
            out.print(table)
        if d["unpriced"]["lines"]:
            out.print(f"unpriced: {d['unpriced']['quantity']} shipped without a priced sales "
                      f"order line ({d['unpriced']['lines']} lines, cost of goods "
                      f"{show_money(d['unpriced']['cogs'])}): not in revenue or margin",
                      highlight=False)

    emit(data, as_json, render)

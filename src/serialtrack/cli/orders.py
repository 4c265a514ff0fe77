"""`serialtrack po …`, `serialtrack so …` and `serialtrack pick`: purchase and sales orders.

Orders carry products and quantities only; goods are received / shipped against them with
`serialtrack receive --po PO-000001 …` and `serialtrack ship --so SO-000001 …`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from serialtrack.cli.common import JsonOpt, command, current_user, emit, out, parse_date

po_app = typer.Typer(help="Purchase orders: what is ordered from suppliers and still expected.",
                     no_args_is_help=True)
so_app = typer.Typer(help="Sales orders: what customers ordered, shipped and back-ordered.",
                     no_args_is_help=True)

LineOpt = Annotated[list[str], typer.Option(
    "--line", help="SKU:QTY[:PRICE], once per line (repeat the option).")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept on the order).")]
NumberArg = Annotated[str, typer.Argument(metavar="NUMBER")]
OpenOpt = Annotated[bool, typer.Option("--open", help="Only orders still expecting deliveries.")]
StatusOpt = Annotated[str | None, typer.Option(
    "--status", help="open | partial | complete | closed | cancelled")]
KIND = {"po": "purchase", "so": "sale"}
PARTY = {"po": "supplier", "so": "customer"}
DONE = {"po": "received", "so": "shipped"}


DraftOpt = Annotated[bool, typer.Option(
    "--draft", help="Create it as a draft: nothing is delivered against it until `open`.")]


def _create(which: str, party: str, lines: list[str], expected: str | None, reference: str,
            tolerance: str, draft: bool, as_json: bool) -> None:
    from decimal import Decimal, InvalidOperation

    from serialtrack import orders
    from serialtrack.queries.orders import order_summary

    try:
        percent = Decimal(tolerance)
    except InvalidOperation:
        raise typer.BadParameter(f"{tolerance!r} is not a percentage",
                                 param_hint="--tolerance") from None
    parsed = [orders.parse_line(text, no) for no, text in enumerate(lines, start=1)]
    parsed = [orders.LineIn(ln.product, ln.quantity, ln.unit_price, percent) for ln in parsed]
    order = orders.create_order(kind=KIND[which], party=party, lines=parsed,
                                user=current_user(), expected_date=parse_date(expected,
                                                                              "expected"),
                                reference=reference, draft=draft)
    emit(order_summary(order, with_documents=False), as_json, lambda d: out.print(
        f"[bold green]{d['number']}[/] created ({d['status']}) for {d['party']}: "
        + "; ".join(f"{r['ordered']} × {r['product']}" for r in d["lines"]), highlight=False))


def _list(which: str, party: str | None, status: str | None, open_only: bool,
          as_json: bool) -> None:
    from serialtrack.queries.orders import list_orders

    rows = list_orders(KIND[which], party=party, status=status, open_only=open_only)

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("number", PARTY[which], "status", "expected", "reference", "lines",
                      "ordered", DONE[which], "open")
        for r in rows:
            table.add_row(r["number"], r["party"], r["status_label"], r["expected_date"] or "",
                          r["reference"], str(r["lines"]), str(r["ordered"]),
                          str(r["delivered"]), str(r["open"]))
        out.print(table)

    emit(rows, as_json, render)


def render_order(d: dict[str, Any]) -> None:
    which = "po" if d["kind"] == "purchase" else "so"
    out.print(f"[bold]{d['number']}[/] {PARTY[which]} {d['party']} — {d['status_label']}"
              + (f", expected {d['expected_date']}" if d["expected_date"] else "")
              + (f", reference {d['reference']}" if d["reference"] else "")
              + (f" ({d['reason']})" if d["reason"] else ""), highlight=False)
    table = Table("line", "product", "ordered", DONE[which], "open", "short", "unit price",
                  "amount")
    for r in d["lines"]:
        table.add_row(str(r["line"]), r["product"], str(r["ordered"]), str(r["delivered"]),
                      str(r["open"]), "" if r["short"] is None else str(r["short"]),
                      r["unit_price"] or "", r["amount"] or "")
    out.print(table)
    if d.get("gross_margin"):
        gm = d["gross_margin"]
        money = Table("line", "product", "sold", "revenue", "cost of goods", "margin", "margin %",
                      title="Gross margin (shipped less returned)")
        for r in d["lines"]:
            money.add_row(str(r["line"]), r["product"], str(r["sold"]),
                          r["revenue"] or "unpriced", r["cogs"], r["margin"] or "",
                          r["margin_percent"] or "")
        money.add_row("total", "", str(gm["sold"]), gm["revenue"] or "unpriced", gm["cogs"],
                      gm["margin"] or "", gm["margin_percent"] or "", style="bold")
        out.print(money)
    if d.get("documents"):
        docs = Table("document", "posted", "quantity", "lines", "reversed by")
        for doc in d["documents"]:
            docs.add_row(doc["number"], (doc["posted_at"] or "")[:19].replace("T", " "),
                         str(doc["quantity"]),
                         ", ".join(f"{x['order_line']}: {x['quantity']} × {x['product']}"
                                   for x in doc["lines"]), doc["reversed_by"] or "")
        out.print(docs)


def _show(which: str, number: str, as_json: bool) -> None:
    from serialtrack.queries.orders import get_order, order_summary

    emit(order_summary(get_order(number, KIND[which])), as_json, render_order)


def _finish(which: str, action: str, number: str, reason: str, as_json: bool) -> None:
    from serialtrack import orders
    from serialtrack.queries.orders import order_summary

    if action == "open":
        order = orders.open_order(number, user=current_user(), kind=KIND[which])
    else:
        act = orders.close_order if action == "close" else orders.cancel_order
        order = act(number, user=current_user(), reason=reason, kind=KIND[which])
    emit(order_summary(order, with_documents=False), as_json, lambda d: out.print(
        f"{d['number']} {d['status_label']}"
        + "".join(f"; line {r['line']} {r['product']}: {r['short']} never delivered"
                  for r in d["lines"] if r["short"]), highlight=False))


# -- purchase orders ---------------------------------------------------------------------------

@po_app.command("create")
@command
def po_create(
    supplier: Annotated[str, typer.Option("--supplier", help="Supplier name.")],
    line: LineOpt,
    expected: Annotated[str | None, typer.Option("--expected", help="YYYY-MM-DD")] = None,
    reference: Annotated[str, typer.Option("--reference", help="e.g. the supplier's quote")] = "",
    tolerance: Annotated[str, typer.Option(
        "--tolerance", help="Over-receipt allowed per line, in percent of its quantity.")] = "0",
    draft: DraftOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Create a purchase order (products and quantities; serials come at receipt)."""
    _create("po", supplier, line, expected, reference, tolerance, draft, as_json)


@po_app.command("list")
@command
def po_list(supplier: Annotated[str | None, typer.Option("--supplier")] = None,
            status: StatusOpt = None, open_only: OpenOpt = False, as_json: JsonOpt = False
            ) -> None:
    """Purchase orders, newest first, with ordered / received / open quantities."""
    _list("po", supplier, status, open_only, as_json)


@po_app.command("show")
@command
def po_show(number: NumberArg, as_json: JsonOpt = False) -> None:
    """A purchase order: its lines (ordered / received / open) and the receipts against it."""
    _show("po", number, as_json)


@po_app.command("expected")
@command
def po_expected(supplier: Annotated[str | None, typer.Option("--supplier")] = None,
                as_json: JsonOpt = False) -> None:
    """What is still expected: every open purchase order line, by supplier."""
    from serialtrack.queries.orders import expected

    rows = expected(supplier)

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("supplier", "order", "expected", "line", "product", "open")
        for r in rows:
            table.add_row(r["supplier"], r["order"], r["expected_date"] or "", str(r["line"]),
                          r["product"], str(r["open"]))
        out.print(table)
        totals: dict[str, int] = {}
        for r in rows:
            totals[r["supplier"]] = totals.get(r["supplier"], 0) + r["open"]
        for name, total in totals.items():
            out.print(f"{name}: {total} expected", highlight=False)

    emit(rows, as_json, render)


@po_app.command("open")
@command
def po_open(number: NumberArg, as_json: JsonOpt = False) -> None:
    """Open a draft purchase order: goods can be received against it."""
    _finish("po", "open", number, "", as_json)


@po_app.command("close")
@command
def po_close(number: NumberArg, reason: ReasonOpt = "", as_json: JsonOpt = False) -> None:
    """Close a purchase order short: what was never received is recorded per line."""
    _finish("po", "close", number, reason, as_json)


@po_app.command("cancel")
@command
def po_cancel(number: NumberArg, reason: ReasonOpt = "", as_json: JsonOpt = False) -> None:
    """Cancel a purchase order nothing was received against."""
    _finish("po", "cancel", number, reason, as_json)


@po_app.command("pdf")
@command
def po_pdf(number: NumberArg,
           output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write.",
                                                dir_okay=False)],
           as_json: JsonOpt = False) -> None:
    """Write the purchase order as a PDF (to send to the supplier)."""
    from serialtrack.order_pdf import purchase_order_pdf
    from serialtrack.queries.orders import get_order, order_summary

    data = order_summary(get_order(number, "purchase"), with_documents=False)
    output.write_bytes(purchase_order_pdf(data))
    emit({"order": data["number"], "file": str(output)}, as_json,
         lambda d: out.print(f"{d['order']} written to {d['file']}", highlight=False))


# -- sales orders ------------------------------------------------------------------------------

@so_app.command("create")
@command
def so_create(
    customer: Annotated[str, typer.Option("--customer", help="Customer name.")],
    line: LineOpt,
    expected: Annotated[str | None, typer.Option("--expected", help="Promised date YYYY-MM-DD")
                        ] = None,
    reference: Annotated[str, typer.Option("--reference", help="e.g. the customer's PO")] = "",
    draft: DraftOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Create a sales order (products and quantities; serials are chosen at packing)."""
    _create("so", customer, line, expected, reference, "0", draft, as_json)


@so_app.command("list")
@command
def so_list(customer: Annotated[str | None, typer.Option("--customer")] = None,
            status: StatusOpt = None, open_only: OpenOpt = False, as_json: JsonOpt = False
            ) -> None:
    """Sales orders, newest first, with ordered / shipped / open (back-ordered) quantities."""
    _list("so", customer, status, open_only, as_json)


@so_app.command("show")
@command
def so_show(number: NumberArg, as_json: JsonOpt = False) -> None:
    """A sales order: its lines (ordered / shipped / open) and the shipments against it."""
    _show("so", number, as_json)


@so_app.command("open")
@command
def so_open(number: NumberArg, as_json: JsonOpt = False) -> None:
    """Open a draft sales order: goods can be shipped against it."""
    _finish("so", "open", number, "", as_json)


@so_app.command("close")
@command
def so_close(number: NumberArg, reason: ReasonOpt = "", as_json: JsonOpt = False) -> None:
    """Close a sales order short: its back-order is dropped, recorded per line."""
    _finish("so", "close", number, reason, as_json)


@so_app.command("cancel")
@command
def so_cancel(number: NumberArg, reason: ReasonOpt = "", as_json: JsonOpt = False) -> None:
    """Cancel a sales order nothing was shipped against."""
    _finish("so", "cancel", number, reason, as_json)


@command
def pick(number: NumberArg, as_json: JsonOpt = False) -> None:
    """What to pick for a sales order, per open line: serials received first (lots: earliest
    expiry first, never expired), with their bins."""
    from serialtrack.queries.orders import pick as suggestion

    data = suggestion(number)

    def render(d: dict[str, Any]) -> None:
        out.print(f"[bold]{d['order']}[/] for {d['customer']}", highlight=False)
        table = Table("line", "product", "open", "bin", "serial / lot", "quantity")
        for line in d["lines"]:
            for n, p in enumerate(line["picks"]):
                table.add_row(str(line["line"]) if n == 0 else "",
                              line["product"] if n == 0 else "",
                              str(line["open"]) if n == 0 else "", p["bin"],
                              p["serial"] or p["lot"] or "", str(p["quantity"]))
            if line["short"]:
                table.add_row(str(line["line"]), line["product"], str(line["open"]), "",
                              f"[red]{line['short']} not in stock[/]", "")
        out.print(table)

    emit(data, as_json, render)

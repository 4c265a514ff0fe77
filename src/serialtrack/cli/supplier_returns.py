"""`serialtrack supplier-returns` (the report: what went back, what credit is still awaited) and
`serialtrack supplier-credit` (record a credit the supplier gave). The return itself and the
replacement are posting commands (`return-to-supplier`, `supplier-replacement`), generated from
their declarations in `serialtrack.posting.supplier_returns`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from serialtrack.cli.common import JsonOpt, command, current_user, emit, out, parse_money


@command
def supplier_returns(
    supplier: Annotated[str | None, typer.Option("--supplier", help="Only this supplier's.")]
    = None,
    awaiting_credit: Annotated[bool, typer.Option(
        "--awaiting-credit", help="Only returns still awaiting credit.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Returns to supplier, newest first: credit expected, replaced, received, still awaited."""
    from serialtrack.queries.supplier_returns import supplier_returns as report

    rows = report(supplier=supplier, awaiting_credit=awaiting_credit)

    def render(rows: list[dict[str, Any]]) -> None:
        if not rows:
            out.print("no returns to supplier" + (" awaiting credit" if awaiting_credit else ""))
            return
        table = Table("return", "date", "supplier", "receipt", "qty", "reason", "expected",
                      "replaced", "received", "awaiting")
        for r in rows:
            table.add_row(r["document"], r["posted_at"][:10], r["supplier"] or "",
                          r["receipt"] or "", str(r["quantity"]), r["reason"],
                          r["credit_expected"], r["replaced_value"], r["credit_received"],
                          r["awaiting_credit"])
        out.print(table)

    emit(rows, as_json, render)


@command
def supplier_credit(
    supplier_return: Annotated[str, typer.Argument(metavar="RTS-NUMBER")],
    amount: Annotated[str, typer.Option("--amount", help="Credit received, e.g. 120.00.")],
    reference: Annotated[str, typer.Option("--reference", help="The credit note's number.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Record a credit received from the supplier against a return to supplier."""
    from serialtrack.posting.supplier_returns import record_credit
    from serialtrack.queries.supplier_returns import supplier_return_row

    value = parse_money(amount)
    assert value is not None
    credit = record_credit(supplier_return=supplier_return, amount=value,
                           reference=reference, user=current_user())
    row = supplier_return_row(credit.supplier_return)
    data = {"supplier_return": row["document"], "amount": str(credit.amount), "reference": reference,
            "credit_received": row["credit_received"], "awaiting_credit": row["awaiting_credit"]}
    emit(data, as_json, lambda d: out.print(
        f"credit {d['amount']} recorded against {d['supplier_return']}; "
        f"still awaited: {d['awaiting_credit']}", highlight=False))

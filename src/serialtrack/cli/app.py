"""The `serialtrack` command: a thin interface over the posting engine and the queries.

Exit codes: 0 done; 2 bad usage; 3 refused by a rule (nothing changed); 1 unexpected failure.
Every command accepts `--json` and then prints exactly one JSON document."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from serialtrack.cli.accounts import token_app, user_app
from serialtrack.cli.checks import check_serials
from serialtrack.cli.common import (
    JsonOpt,
    choose_user,
    command,
    current_user,
    emit,
    err,
    out,
)
from serialtrack.cli.labels import labels_app
from serialtrack.cli.money import AtOpt, cogs, valuation
from serialtrack.cli.orders import pick, po_app, so_app
from serialtrack.cli.packing_slips import packing_slip
from serialtrack.cli.recalls import recall_app
from serialtrack.cli.service_cases import rma_app
from serialtrack.cli.supplier_returns import supplier_credit, supplier_returns

app = typer.Typer(
    name="serialtrack",
    help="Serial-number inventory tracking: every unit from receiving to recall.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
product_app = typer.Typer(help="Products (SKU, tracking mode, serial pattern, warranty).",
                          no_args_is_help=True)
warehouse_app = typer.Typer(help="Warehouses and their bins.", no_args_is_help=True)
party_app = typer.Typer(help="Parties: customers and suppliers.", no_args_is_help=True)
repair_app = typer.Typer(help="Repairs: start, done, ship-back, replace.", no_args_is_help=True)
app.add_typer(product_app, name="product")
app.add_typer(warehouse_app, name="warehouse")
app.add_typer(party_app, name="party")
app.add_typer(repair_app, name="repair")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(labels_app, name="labels")
app.add_typer(po_app, name="po")
app.add_typer(so_app, name="so")
app.command("pick")(pick)
app.add_typer(recall_app, name="recall")
app.add_typer(rma_app, name="rma")
app.command("check-serials")(check_serials)
app.command("packing-slip")(packing_slip)
app.command("supplier-returns")(supplier_returns)
app.command("supplier-credit")(supplier_credit)
app.command("valuation")(valuation)
app.command("cogs")(cogs)

@app.callback()
def main_options(
    user: Annotated[str | None, typer.Option("--user", envvar="SERIALTRACK_USER",
                                             help="Who posts (recorded on every movement).")]
    = None,
) -> None:
    choose_user(user)


# -- set-up ----------------------------------------------------------------------------------

@app.command()
@command
def init(as_json: JsonOpt = False) -> None:
    """Create or upgrade the database (also happens on first use of any command)."""
    from django.conf import settings

    from serialtrack.database import describe

    emit({"database": describe(settings.DATABASES["default"]), "ready": True}, as_json,
         lambda d: out.print(f"database ready: {d['database']}", highlight=False))


@product_app.command("add")
@command
def product_add(
    sku: str,
    name: Annotated[str, typer.Option("--name", help="Product name.")] = "",
    tracking: Annotated[str, typer.Option("--tracking", help="serial | lot | none")] = "serial",
    serial_pattern: Annotated[str, typer.Option("--serial-pattern",
                                                help="Full-match regex for new serials.")] = "",
    warranty_days: Annotated[int, typer.Option("--warranty-days")] = 0,
    gtin: Annotated[str | None, typer.Option("--gtin", help="GTIN-8/12/13/14.")] = None,
    serial_template: Annotated[str, typer.Option(
        "--serial-template", help="Generated serials, e.g. 'LTP-{yyyy}-{seq:06}' "
        "(tokens {yyyy} {yy} {mm} {dd} {sku} {seq}).")] = "",
    unicode_serials: Annotated[bool, typer.Option(
        "--unicode-serials", help="Accept new serials beyond printable ASCII.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a product."""
    from serialtrack import catalog

    p = catalog.create_product(sku, name or sku, tracking, serial_pattern=serial_pattern,
                               warranty_days=warranty_days, gtin=gtin,
                               serial_template=serial_template, unicode_serials=unicode_serials)
    emit(_product_dict(p), as_json,
         lambda d: out.print(f"product {d['sku']} added ({d['tracking']})", highlight=False))


def _product_dict(p: Any) -> dict[str, Any]:
    return {"sku": p.sku, "name": p.name, "tracking": p.tracking, "gtin": p.gtin,
            "serial_pattern": p.serial_pattern or None,
            "serial_template": p.serial_template or None,
            "unicode_serials": p.unicode_serials, "warranty_days": p.warranty_days}


@product_app.command("list")
@command
def product_list(as_json: JsonOpt = False) -> None:
    """List products."""
    from serialtrack.queries import catalog as listed

    rows = [_product_dict(p) for p in listed.products()]

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("SKU", "name", "tracking", "GTIN", "pattern", "warranty days")
        for r in rows:
            table.add_row(r["sku"], r["name"], r["tracking"], r["gtin"] or "",
                          r["serial_pattern"] or "", str(r["warranty_days"]))
        out.print(table)

    emit(rows, as_json, render)


@product_app.command("preview-serials")
@command
def product_preview_serials(
    sku: str,
    count: Annotated[int, typer.Option("--count", help="How many to show.")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """The serials the next generated receipt of SKU would get (nothing is taken)."""
    from serialtrack import catalog
    from serialtrack.posting.generated import preview

    serials = preview(catalog.get_product(sku), count)
    emit({"product": sku, "next": serials}, as_json,
         lambda d: out.print("\n".join(d["next"]), highlight=False))


@product_app.command("set-tracking")
@command
def product_set_tracking(sku: str, tracking: str, as_json: JsonOpt = False) -> None:
    """Change a product's tracking mode (a one-way door once it has serialized units)."""
    from serialtrack import catalog

    p = catalog.set_tracking(sku, tracking)
    emit(_product_dict(p), as_json,
         lambda d: out.print(f"product {d['sku']} is now tracked by {d['tracking']}",
                             highlight=False))


@product_app.command("update")
@command
def product_update(
    sku: str,
    name: Annotated[str | None, typer.Option("--name", help="Product name.")] = None,
    tracking: Annotated[str | None, typer.Option(
        "--tracking", help="serial | lot | none (a one-way door once it has units)")] = None,
    serial_pattern: Annotated[str | None, typer.Option(
        "--serial-pattern", help="Full-match regex for new serials ('' : none).")] = None,
    warranty_days: Annotated[int | None, typer.Option("--warranty-days")] = None,
    gtin: Annotated[str | None, typer.Option("--gtin", help="GTIN-8/12/13/14 ('' : none).")] = None,
    serial_template: Annotated[str | None, typer.Option(
        "--serial-template", help="Generated serials ('' : none).")] = None,
    unicode_serials: Annotated[bool | None, typer.Option(
        "--unicode-serials/--ascii-serials",
        help="Accept new serials beyond printable ASCII, or not.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a product: only the options given, the rest kept (the same rules as the set-up
    page's edit form)."""
    from serialtrack import catalog

    given = {"name": name, "tracking": tracking, "serial_pattern": serial_pattern,
             "warranty_days": warranty_days, "gtin": gtin, "serial_template": serial_template,
             "unicode_serials": unicode_serials}
    p = catalog.change_product(sku, **{k: v for k, v in given.items() if v is not None})
    emit(_product_dict(p), as_json,
         lambda d: out.print(f"product {d['sku']} updated", highlight=False))


@warehouse_app.command("add")
@command
def warehouse_add(
    code: str,
    name: Annotated[str, typer.Option("--name")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Add a warehouse (with its default bin MAIN)."""
    from serialtrack import catalog

    w = catalog.create_warehouse(code, name)
    emit({"code": w.code, "name": w.name, "bins": ["MAIN"]}, as_json,
         lambda d: out.print(f"warehouse {d['code']} added (default bin MAIN)", highlight=False))


@warehouse_app.command("add-bin")
@command
def warehouse_add_bin(warehouse: str, bin_code: str, as_json: JsonOpt = False) -> None:
    """Add a bin to a warehouse; address it as WAREHOUSE/BIN."""
    from serialtrack import catalog

    loc = catalog.create_bin(warehouse, bin_code)
    emit({"location": str(loc)}, as_json,
         lambda d: out.print(f"bin {d['location']} added", highlight=False))


@warehouse_app.command("list")
@command
def warehouse_list(as_json: JsonOpt = False) -> None:
    """List warehouses and bins."""
    from serialtrack.queries import catalog as listed

    rows = [{"code": w.code, "name": w.name, "bins": [loc.code for loc in w.bins]}
            for w in listed.warehouses()]

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("code", "name", "bins")
        for r in rows:
            table.add_row(r["code"], r["name"], ", ".join(r["bins"]))
        out.print(table)

    emit(rows, as_json, render)


@party_app.command("add")
@command
def party_add(
    name: str,
    customer: Annotated[bool, typer.Option("--customer")] = False,
    supplier: Annotated[bool, typer.Option("--supplier")] = False,
    contact: Annotated[str, typer.Option("--contact", help="The person to ask for.")] = "",
    email: Annotated[str, typer.Option("--email")] = "",
    phone: Annotated[str, typer.Option("--phone")] = "",
    address: Annotated[str, typer.Option("--address")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Add a customer and/or supplier (a customer when neither is given); a name that exists
    gains the roles and the contact details given."""
    from serialtrack import catalog

    p = catalog.create_party(name, customer=customer, supplier=supplier, contact=contact,
                             email=email, phone=phone, address=address)
    roles = [r for r, on in (("customer", p.is_customer), ("supplier", p.is_supplier)) if on]
    emit({"name": p.name, "roles": roles, "contact": p.contact, "email": p.email,
          "phone": p.phone, "address": p.address}, as_json,
         lambda d: out.print(f"party {d['name']} ({', '.join(d['roles'])})", highlight=False))


@party_app.command("update")
@command
def party_update(
    name: str,
    customer: Annotated[bool | None, typer.Option("--customer/--no-customer")] = None,
    supplier: Annotated[bool | None, typer.Option("--supplier/--no-supplier")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="'' clears it.")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a party: only the options given, the rest kept (the same rules as the set-up
    page's edit form: it stays a customer, a supplier or both)."""
    from serialtrack import catalog

    given = {"customer": customer, "supplier": supplier, "contact": contact, "email": email,
             "phone": phone, "address": address}
    p = catalog.change_party(name, **{k: v for k, v in given.items() if v is not None})
    roles = [r for r, on in (("customer", p.is_customer), ("supplier", p.is_supplier)) if on]
    emit({"name": p.name, "roles": roles, "contact": p.contact, "email": p.email,
          "phone": p.phone, "address": p.address}, as_json,
         lambda d: out.print(f"party {d['name']} updated ({', '.join(d['roles'])})",
                             highlight=False))


@party_app.command("list")
@command
def party_list(as_json: JsonOpt = False) -> None:
    """List parties."""
    from serialtrack.queries import catalog as listed

    rows = [{"name": p.name, "customer": p.is_customer, "supplier": p.is_supplier,
             "contact": p.contact, "email": p.email, "phone": p.phone, "address": p.address}
            for p in listed.parties()]

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("name", "customer", "supplier", "contact", "e-mail", "phone")
        for r in rows:
            table.add_row(r["name"], "yes" if r["customer"] else "", "yes" if r["supplier"] else "",
                          r["contact"], r["email"], r["phone"])
        out.print(table)

    emit(rows, as_json, render)


# -- documents ---------------------------------------------------------------------------------

@app.command("import")
@command
def import_file(
    path: Annotated[Path, typer.Argument(help="CSV or XLSX: product, serial, lot, expiry, cost, "
                                         "warehouse, bin (quantity for lot/plain products).",
                                         exists=True, dir_okay=False)],
    supplier: Annotated[str | None, typer.Option("--supplier")] = None,
    opening_balance: Annotated[bool, typer.Option(
        "--opening-balance", help="Post as opening stock (adjustments), not receipts.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import receipts or opening stock: every row is checked first; one bad row posts nothing."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from serialtrack.imports import import_receipts

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"),
                  TimeElapsedColumn(), console=err, disable=as_json or not err.is_terminal) as bar:
        task = bar.add_task(f"checking {path.name}", total=None)
        result = import_receipts(path, user=current_user(), supplier=supplier,
                                 opening_balance=opening_balance,
                                 progress=lambda n: bar.update(task, completed=n))
        bar.update(task, description=f"posted {path.name}")
    data = {"rows": result.rows, "documents": [d.number for d in result.documents]}
    emit(data, as_json, lambda d: out.print(
        f"imported {d['rows']:,} rows: {', '.join(d['documents'])}", highlight=False))


# -- reads --------------------------------------------------------------------------------------

@app.command()
@command
def show(
    number: Annotated[str, typer.Argument(metavar="DOCUMENT-OR-SERIAL")],
    product: Annotated[str | None, typer.Option("--product", "-p")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a document (lines, serials, who posted it, related documents), or the unit a serial
    or manufacturer serial names."""
    from serialtrack import catalog
    from serialtrack.errors import NotFound, Problem
    from serialtrack.queries import document_summary
    from serialtrack.queries.assemblies import unit_with_tree

    document = None
    if not product:
        with contextlib.suppress(NotFound):
            document = catalog.get_document(number)
    if document is None:
        try:
            unit = unit_with_tree(number, product)
        except NotFound:
            if product:
                raise
            raise NotFound([Problem("not_found", f"no document or serial {number.strip()!r}",
                                    serial=number.strip())]) from None
        emit({"unit": unit}, as_json, render_unit)
        return
    data = document_summary(document, with_serials=True)

    def render(d: dict[str, Any]) -> None:
        out.print(f"[bold]{d['document']}[/] {d['kind']} · {d['status']} · posted "
                  f"{d['posted_at']} by {d['posted_by']}", highlight=False)
        for key in ("party", "warehouse", "related", "reason", "reference"):
            if d[key]:
                out.print(f"  {key}: {d[key]}", highlight=False)
        if d["related_documents"]:
            out.print(f"  referenced by: {', '.join(d['related_documents'])}", highlight=False)
        for ln in d["lines"]:
            out.print(f"  line {ln['line']}: {ln['quantity']} × {ln['product']}"
                      + (f" lot {ln['lot']}" if ln["lot"] else "")
                      + (f" from {ln['from']}" if ln["from"] else "")
                      + (f" to {ln['to']}" if ln["to"] else ""), highlight=False)
            if ln.get("serials"):
                out.print("    " + ", ".join(ln["serials"]), highlight=False)

    emit(data, as_json, render)


def render_scan(u: dict[str, Any]) -> None:
    """Where the label scanned to find the unit contradicts its record."""
    for d in (u.get("scan") or {}).get("disagreements", []):
        out.print(f"  [red]label contradicts the record[/]: {d['field']} recorded "
                  f"{d['recorded'] or '(none)'}, scanned {d['scanned']}", highlight=False)


def render_unit(d: dict[str, Any]) -> None:
    u = d["unit"]
    out.print(f"[bold]{u['product']} {u['serial']}[/] — {u['status']} "
              f"{u['location'] or u['holder'] or ''}", highlight=False)
    render_scan(u)
    for key, label in (("manufacturer_serial", "manufacturer serial"), ("product_name", "product"),
                       ("lot", "lot"), ("expiry", "expiry"), ("cost", "cost"),
                       ("received_at", "received"), ("warranty_end", "warranty end")):
        if u.get(key):
            out.print(f"  {label}: {u[key]}", highlight=False)
    render_tree(u)


def render_tree(u: dict[str, Any]) -> None:
    """What the unit is inside (nearest first) and what is installed in it, as a tree."""
    from serialtrack.queries.assemblies import flatten

    if u.get("inside"):
        out.print("inside: " + " ← inside ".join(f"{n['product']} {n['serial']}"
                                                  for n in u["inside"]), highlight=False)
    if u.get("components"):
        out.print("components:", highlight=False)
        for depth, n in flatten(u["components"]):
            out.print(f"{'  ' * (depth + 1)}└ {n['product']} {n['serial']}"
                      + (f" ({n['status']})" if n["status"] != "installed" else ""),
                      highlight=False)


@app.command()
@command
def history(
    serial: Annotated[str, typer.Argument(help="A serial, or a scan of the unit's GS1 label.")],
    product: Annotated[str | None, typer.Option("--product", "-p")] = None,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A unit's full history, oldest first. With --at: where it was then (and its history up
    to then)."""
    from serialtrack.queries import unit_history

    data = unit_history(serial, product, at)

    def render(d: dict[str, Any]) -> None:
        u = d["unit"]
        where = u["location"] or u["holder"] or ""
        out.print(f"[bold]{u['product']} {u['serial']}[/] — {u['status']} {where}",
                  highlight=False)
        if d.get("at"):
            a = d["at"]
            then = (f"{a['status']} {a['location'] or a['holder'] or ''}" if a["status"]
                    else "not received yet")
            out.print(f"at {a['time'][:19].replace('T', ' ')}: {then}"
                      + (f" (cost {a['cost']}, {a['document']})" if a["document"] else ""),
                      highlight=False)
        if u["manufacturer_serial"]:
            out.print(f"manufacturer serial: {u['manufacturer_serial']}", highlight=False)
        if u["former_serials"]:
            out.print(f"formerly: {', '.join(u['former_serials'])}", highlight=False)
        render_tree(u)
        sale = d.get("sale")
        if sale and sale["price"] is not None:
            out.print(f"sold for {sale['price']}, cost {sale['cost']}, margin {sale['margin']} "
                      f"({sale['sales_order']} line {sale['order_line']}, {sale['shipment']})",
                      highlight=False)
        elif sale:
            out.print(f"shipped on {sale['shipment']} without a priced sales order line "
                      f"(cost {sale['cost']})", highlight=False)
        render_scan(u)
        table = Table("time", "document", "kind", "from → to", "status", "party", "user", "note")
        for m in d["movements"]:
            table.add_row(m["time"][:19].replace("T", " "), m["document"], m["kind"],
                          f"{m['from'] or '—'} → {m['to'] or '—'}",
                          f"{m['from_status'] or '—'} → {m['to_status']}", m["party"] or "",
                          m["user"] or "", m["note"] or "")
        out.print(table)

    emit(data, as_json, render)


@app.command()
@command
def stock(
    warehouse: Annotated[str | None, typer.Option("--warehouse", "-w")] = None,
    product: Annotated[str | None, typer.Option("--product", "-p")] = None,
    out_of_storage: Annotated[bool, typer.Option(
        "--out-of-storage", help="Units shipped, scrapped or returned to supplier.")] = False,
    serials: Annotated[bool, typer.Option("--serials/--no-serials",
                                          help="List the serials of each group.")] = True,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Stock on hand by warehouse, bin and product (with serials), and lot/plain quantities;
    with --at, as it was at that moment (read from the ledger)."""
    from serialtrack import queries

    if at is not None and out_of_storage:
        raise typer.BadParameter("--at reports stock on hand: not with --out-of-storage",
                                 param_hint="--at")
    if out_of_storage:
        rows = queries.out_of_storage(product=product)

        def render_out(rows: list[dict[str, Any]]) -> None:
            table = Table("product", "serial", "status", "holder", "document", "date",
                          "warranty end")
            for r in rows:
                table.add_row(r["product"], r["serial"], r["status"], r["holder"] or "",
                              r["document"] or "", r["date"] or "", r["warranty_end"] or "")
            out.print(table)

        emit({"out_of_storage": rows}, as_json, lambda d: render_out(d["out_of_storage"]))
        return
    if at is not None:
        from serialtrack.queries.money import stock_at

        data = stock_at(at, warehouse, product, serials=serials)
    else:
        data = {"units": queries.stock_on_hand(warehouse, product, serials=serials),
                "quantities": queries.quantities_on_hand(warehouse, product)}

    def render(d: dict[str, Any]) -> None:
        table = Table("warehouse", "bin", "product", "status", "count", "serials")
        for g in d["units"]:
            shown = (", ".join(g["serials"][:50]) + (" …" if g["count"] > 50 else "")
                     if serials else "")
            table.add_row(g["warehouse"], g["bin"], g["product"], g["status"], str(g["count"]),
                          shown)
        if d["units"]:
            out.print(table)
        if d["quantities"]:
            qt = Table("warehouse", "bin", "product", "lot", "expiry", "status", "quantity")
            for q in d["quantities"]:
                qt.add_row(q["warehouse"], q["bin"], q["product"], q["lot"] or "",
                           q["expiry"] or "", q["status"], str(q["quantity"]))
            out.print(qt)
        if not d["units"] and not d["quantities"]:
            out.print("no stock on hand")

    emit(data, as_json, render)


@app.command()
@command
def expiring(
    days: Annotated[int, typer.Option("--days", "-d", help="Expiring within this many days.")]
    = 30,
    warehouse: Annotated[str | None, typer.Option("--warehouse", "-w")] = None,
    product: Annotated[str | None, typer.Option("--product", "-p")] = None,
    as_json: JsonOpt = False,
) -> None:
    """What expires within N days (or has expired): units and lot quantities in storage, with
    their location, soonest first."""
    from serialtrack import queries

    data = queries.expiring(days, warehouse, product)

    def render(d: dict[str, Any]) -> None:
        def when(r: dict[str, Any]) -> str:
            return (f"[red]expired[/] {r['expiry']}" if r["expired"]
                    else f"{r['expiry']} ({r['days_left']} d)")

        if d["units"]:
            table = Table("expiry", "product", "serial", "lot", "status", "location")
            for r in d["units"]:
                table.add_row(when(r), r["product"], r["serial"], r["lot"], r["status"],
                              r["location"])
            out.print(table)
        if d["quantities"]:
            table = Table("expiry", "product", "lot", "quantity", "location")
            for r in d["quantities"]:
                table.add_row(when(r), r["product"], r["lot"], str(r["quantity"]), r["location"])
            out.print(table)
        if not d["units"] and not d["quantities"]:
            out.print(f"nothing expires by {d['until']}", highlight=False)

    emit(data, as_json, render)


@app.command("verify-genuine")
@command
def verify_genuine(
    code: Annotated[str, typer.Argument(help="A serial, or a scan of the GS1 label / Digital "
                                             "Link.")],
    product: Annotated[str | None, typer.Option("--product", "-p",
                                                help="SKU or GTIN (not needed for a scan).")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """What the public genuineness check answers: genuine (sold when, warranty until), or not
    one of ours. A failed check is counted against the serial, as the public one is."""
    from serialtrack import genuine

    data = genuine.verify(code, product)
    emit(data, as_json, lambda d: out.print(d["answer"], highlight=False))


@app.command("genuine-probes")
@command
def genuine_probes(
    limit: Annotated[int, typer.Option("--limit")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Serials asked about in failed genuineness checks, most failures first (being probed)."""
    from serialtrack.queries.genuine import probes

    rows = probes(max(1, min(limit, 1000)))

    def render(d: dict[str, Any]) -> None:
        table = Table("failures", "product", "serial", "first", "last")
        for r in d["probes"]:
            table.add_row(str(r["failures"]), r["product"], r["serial"], r["first_at"][:19],
                          r["last_at"][:19])
        out.print(table if d["probes"] else "no failed checks")

    emit({"probes": rows}, as_json, render)


@app.command()
@command
def warranty(
    serial: str,
    product: Annotated[str | None, typer.Option("--product", "-p")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Warranty lookup: sold when, to whom, until when, under warranty today."""
    from serialtrack import queries

    data = queries.warranty(serial, product)

    def render(d: dict[str, Any]) -> None:
        u = d["unit"]
        out.print(f"[bold]{u['product']} {u['serial']}[/] — {u['status']}", highlight=False)
        render_scan(u)
        if u["manufacturer_serial"]:
            out.print(f"  manufacturer serial: {u['manufacturer_serial']}", highlight=False)
        if d["sold_to"]:
            out.print(f"  sold to {d['sold_to']} on {d['sold_at'][:10]} ({d['sold_on']})",
                      highlight=False)
        else:
            out.print("  never sold")
        if d["warranty_end"]:
            state = (f"[green]under warranty[/], {d['days_left']} days left"
                     if d["under_warranty"] else "[red]out of warranty[/]")
            out.print(f"  warranty {d['warranty_start']} → {d['warranty_end']}: {state}",
                      highlight=False)
        if d["returned_before"]:
            out.print(f"  returned before: {', '.join(d['returned_before'])}", highlight=False)
        if d["repaired_before"]:
            out.print(f"  repaired before: {', '.join(d['repaired_before'])}", highlight=False)

    emit(data, as_json, render)


@app.command()
@command
def demo(as_json: JsonOpt = False) -> None:
    """Load sample data and walk through receipt → shipment → return → repair → reports."""
    from serialtrack.cli.demo import run_demo

    run_demo(out, as_json)


@app.command()
@command
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", envvar="SERIALTRACK_WORKERS",
                                         help="Web worker processes.")] = 2,
    timeout: Annotated[int, typer.Option(
        "--timeout", envvar="SERIALTRACK_REQUEST_TIMEOUT",
        help="Seconds one request may take before its worker is restarted (a 1,000,000-serial "
             "receipt in one request, or a large upload, takes minutes).")] = 600,
    as_json: JsonOpt = False,
) -> None:
    """Serve the REST API and the web pages with gunicorn, and run background work (web
    imports) in one task worker beside them."""
    from django.conf import settings

    from serialtrack.accounts.services import ensure_first_admin
    from serialtrack.database import describe

    first = ensure_first_admin()
    info = {"url": f"http://{host}:{port}/", "api_docs": f"http://{host}:{port}/api/docs",
            "database": describe(settings.DATABASES["default"]),
            "admin": {"username": first[0], "password": first[1]} if first else None}

    def render(d: dict[str, Any]) -> None:
        out.print(f"serialtrack on {d['url']} (API docs {d['api_docs']}) · {d['database']}",
                  highlight=False)
        if d["admin"]:
            out.print(f"[bold]first start: created user {d['admin']['username']!r} with password "
                      f"{d['admin']['password']!r}[/] — shown once, write it down", highlight=False)

    emit(info, as_json, render)
    sys.stdout.flush()
    # gunicorn with serialtrack.server as its configuration (the access log, the URL map loaded
    # at start, SQLite's WAL checkpoint off the request path, the task worker beside it).
    os.execv(sys.executable, [
        sys.executable, "-m", "gunicorn", "--config", "python:serialtrack.server",
        "--bind", f"{host}:{port}", "--workers", str(workers), "--timeout", str(timeout)])


@app.command()
@command
def worker(
    batch: Annotated[bool, typer.Option(
        "--batch", help="Run what is queued, then exit (instead of waiting for more).")] = False,
    interval: Annotated[float, typer.Option(
        "--interval", help="Seconds between looks at an empty queue.")] = 1.0,
    as_json: JsonOpt = False,
) -> None:
    """Run background work (web imports) as it is queued: one task worker, alone (`serialtrack
    serve` starts one itself). Its log goes to standard error; SIGTERM stops it after the task
    in progress."""
    from django.conf import settings
    from django.core.management import call_command

    from serialtrack.database import describe

    emit({"database": describe(settings.DATABASES["default"]), "batch": batch}, as_json,
         lambda d: out.print(f"serialtrack task worker · {d['database']}", highlight=False))
    sys.stdout.flush()
    call_command("db_worker", batch=batch, interval=interval, reload=False, startup_delay=False,
                 stdout=sys.stderr)


_postings_added: list[bool] = []


def add_posting_commands() -> None:
    """A command per declared operation (`serialtrack.posting.operations`), under its words
    (once)."""
    if _postings_added:
        return
    _postings_added.append(True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serialtrack.settings")
    import django

    django.setup()  # the declarations name the models; no database is opened here
    from serialtrack.cli.postings import posting_command
    from serialtrack.posting import operations

    groups = {"repair": repair_app, "recall": recall_app}
    for op in operations.declared():
        *group, name = op.cli
        (groups[group[0]] if group else app).command(name)(posting_command(op))


def main() -> None:
    add_posting_commands()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)

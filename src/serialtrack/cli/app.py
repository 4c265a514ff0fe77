"""The `serialtrack` command: a thin interface over the posting engine and the queries.

Exit codes: 0 done; 2 bad usage; 3 refused by a rule (nothing changed); 1 unexpected failure.
Every command accepts `--json` and then prints exactly one JSON document."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

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

# Piped output (scripts, logs) is not squeezed into 80 columns; COLUMNS still wins if set.
_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
out = Console(width=_WIDTH)
err = Console(stderr=True, width=_WIDTH)

EXIT_REFUSED = 3
EXIT_FAILURE = 1

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
ProductOpt = Annotated[str, typer.Option("--product", "-p", help="Product SKU.")]
SerialsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Serials; a range like device-00121..device-00125 expands."),
]
SerialsFileOpt = Annotated[
    Path | None,
    typer.Option("--serials-file", help="One serial per line, or a CSV/XLSX with a serial column.",
                 exists=True, dir_okay=False),
]
ColumnOpt = Annotated[
    str | None, typer.Option("--column", help="Column of --serials-file holding the serials.")
]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept on the document).")]
QtyOpt = Annotated[int | None, typer.Option("--qty", help="Quantity (default: the serial count).")]

_state: dict[str, Any] = {"user": None}


def bootstrap() -> None:
    """Configure Django and apply migrations on first use."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serialtrack.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def current_user() -> Any:
    from serialtrack.posting import system_user

    name = _state["user"] or os.environ.get("SERIALTRACK_USER") or _login_name()
    return system_user(name)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "serialtrack"


F = TypeVar("F", bound=Callable[..., Any])


def command(fn: F) -> F:
    """Set up Django, run the command, map refusals to exit 3 and surprises to exit 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        try:
            bootstrap()
        except Exception as exc:
            fail(exc, as_json)
        from serialtrack.posting.errors import Refused

        try:
            refuse_unstorable_arguments(kwargs)
            return fn(*args, **kwargs)
        except Refused as exc:
            show_refusal(exc, as_json)
            raise typer.Exit(EXIT_REFUSED) from None
        except (typer.Exit, typer.BadParameter):
            raise
        except Exception as exc:
            fail(exc, as_json)

    return wrapper  # type: ignore[return-value]


def refuse_unstorable_arguments(kwargs: dict[str, Any]) -> None:
    """The command line's door: an argument that is not UTF-8 (Python hands its bytes over as
    lone surrogates) or holds a NUL is refused, naming the option and the serial, before any
    command runs."""
    from serialtrack.posting.errors import InvalidInput
    from serialtrack.posting.serials import text_problem

    problems = []
    for name, value in kwargs.items():
        texts = value if isinstance(value, list) else [value]
        field = name.replace("_", "-")
        serial = "serial" in name or name in ("old", "new")
        for text in texts:
            if isinstance(text, str):
                problem = text_problem(text, field, serial=serial, from_bytes=True)
                if problem:
                    problems.append(problem)
    if problems:
        raise InvalidInput(problems, title="Text that cannot be stored")


def fail(exc: Exception, as_json: bool) -> None:
    if os.environ.get("SERIALTRACK_DEBUG") == "1":
        raise exc
    if as_json:
        print(json.dumps({"error": type(exc).__name__, "code": "failure", "detail": str(exc)}))
    else:
        err.print(f"[bold red]failed:[/] {type(exc).__name__}: {exc}", highlight=False)
    raise typer.Exit(EXIT_FAILURE) from None


def show_refusal(exc: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(exc.as_dict(), default=str))
        return
    err.print(f"[bold red]refused:[/] {exc.title} — nothing was changed", highlight=False)
    for problem in exc.problems:
        err.print(f"  • {problem.message}", markup=False, highlight=False)


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    if as_json:
        print(json.dumps(data, default=str))
    else:
        render(data)


def serial_input(serials: list[str] | None, serials_file: Path | None,
                 column: str | None) -> Iterator[str]:
    from serialtrack.posting.serials import expand_tokens, read_serials_file

    if serials:
        yield from expand_tokens(serials)
    if serials_file:
        yield from read_serials_file(serials_file, column)


def maker_input(serials: list[str] | None, serials_file: Path | None, column: str | None,
                maker_flag: bool, maker_column: str | None
                ) -> tuple[Iterator[str], Iterator[str | None]]:
    """(serials, manufacturer serials) of a receipt. `--manufacturer-serials`: what is listed (or
    in the file's `manufacturer_serial` column) are the makers' serials, and the units' own are
    generated. `--manufacturer-column`: the file's serials paired with that column's (a blank
    cell: that unit has none)."""
    from serialtrack.posting.serials import read_serials_file

    if maker_flag:
        if maker_column:
            raise typer.BadParameter("either --manufacturer-serials (the serials listed are the "
                                     "makers') or --manufacturer-column, not both",
                                     param_hint="--manufacturer-column")
        chosen = column or ("manufacturer_serial" if serials_file and serials_file.suffix.lower()
                            in (".csv", ".xlsx") else None)
        return iter(()), serial_input(serials, serials_file, chosen)
    if maker_column:
        if not serials_file:
            raise typer.BadParameter("--manufacturer-column reads --serials-file",
                                     param_hint="--manufacturer-column")
        return (serial_input(serials, serials_file, column),
                (text if text.strip() else None
                 for text in read_serials_file(serials_file, maker_column)))
    return serial_input(serials, serials_file, column), iter(())


def parse_date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD",
                                 param_hint=f"--{field}") from None


def parse_money(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise typer.BadParameter(f"{value!r} is not an amount", param_hint="--cost") from None
    if not amount.is_finite():
        raise typer.BadParameter(f"{value!r} is not an amount", param_hint="--cost")
    return amount


def posted(doc: Any, as_json: bool) -> None:
    from serialtrack.queries import document_summary

    summary = document_summary(doc)

    def render(s: dict[str, Any]) -> None:
        lines = "; ".join(
            f"{ln['quantity']} × {ln['product']}" + (f" lot {ln['lot']}" if ln["lot"] else "")
            + (f" {ln['from']} →" if ln["from"] else "") + (f" → {ln['to']}" if ln["to"] else "")
            for ln in s["lines"])
        party = f" ({s['party']})" if s["party"] else ""
        out.print(f"[bold green]{s['document']}[/] posted: {s['kind']}{party}: {lines}",
                  highlight=False)

    emit(summary, as_json, render)


@app.callback()
def main_options(
    user: Annotated[str | None, typer.Option("--user", envvar="SERIALTRACK_USER",
                                             help="Who posts (recorded on every movement).")]
    = None,
) -> None:
    _state["user"] = user


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
    from serialtrack.inventory.models import Product

    rows = [_product_dict(p) for p in Product.objects.order_by("sku")]

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
    from serialtrack.inventory.models import Warehouse

    rows = [{"code": w.code, "name": w.name,
             "bins": [loc.code for loc in w.locations.order_by("code")]}
            for w in Warehouse.objects.prefetch_related("locations").order_by("code")]

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
    as_json: JsonOpt = False,
) -> None:
    """Add a customer and/or supplier (a customer when neither is given)."""
    from serialtrack import catalog

    p = catalog.create_party(name, customer=customer, supplier=supplier)
    roles = [r for r, on in (("customer", p.is_customer), ("supplier", p.is_supplier)) if on]
    emit({"name": p.name, "roles": roles}, as_json,
         lambda d: out.print(f"party {d['name']} ({', '.join(d['roles'])})", highlight=False))


@party_app.command("list")
@command
def party_list(as_json: JsonOpt = False) -> None:
    """List parties."""
    from serialtrack.inventory.models import Party

    rows = [{"name": p.name, "customer": p.is_customer, "supplier": p.is_supplier}
            for p in Party.objects.order_by("name")]

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("name", "customer", "supplier")
        for r in rows:
            table.add_row(r["name"], "yes" if r["customer"] else "", "yes" if r["supplier"] else "")
        out.print(table)

    emit(rows, as_json, render)


# -- documents ---------------------------------------------------------------------------------

@app.command()
@command
def receive(
    warehouse: Annotated[str, typer.Option("--warehouse", "-w", help="CODE or CODE/BIN.")],
    product: ProductOpt,
    serials: SerialsArg = None,
    supplier: Annotated[str | None, typer.Option("--supplier")] = None,
    qty: QtyOpt = None,
    lot: Annotated[str | None, typer.Option("--lot")] = None,
    expiry: Annotated[str | None, typer.Option("--expiry", help="YYYY-MM-DD")] = None,
    cost: Annotated[str | None, typer.Option("--cost", help="Unit cost.")] = None,
    reference: Annotated[str, typer.Option("--reference", help="e.g. purchase order")] = "",
    generate: Annotated[int | None, typer.Option(
        "--generate", help="Give N units serials from the product's template.")] = None,
    makers: Annotated[bool, typer.Option(
        "--manufacturer-serials", "--mfr",
        help="The serials listed (or in --serials-file, column manufacturer_serial) are the "
             "makers': each unit also gets a serial generated from the product's template.")
    ] = False,
    maker_column: Annotated[str | None, typer.Option(
        "--manufacturer-column",
        help="Column of --serials-file holding each unit's manufacturer serial (beside its "
             "serial).")] = None,
    serials_file: SerialsFileOpt = None,
    column: ColumnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Receive goods: serials (or GS1 scans) into stock, generated serials (optionally one per
    manufacturer serial), or a lot / plain quantity."""
    from serialtrack import posting

    own, maker_serials = maker_input(serials, serials_file, column, makers, maker_column)
    doc = posting.receive(
        warehouse=warehouse, product=product, user=current_user(),
        serials=own, quantity=qty, supplier=supplier,
        lot=lot, expiry=parse_date(expiry, "expiry"), cost=parse_money(cost), reference=reference,
        generate=generate, manufacturer_serials=maker_serials,
    )
    posted(doc, as_json)


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


@app.command()
@command
def found(
    warehouse: Annotated[str, typer.Option("--warehouse", "-w", help="CODE or CODE/BIN.")],
    product: ProductOpt,
    reason: Annotated[str, typer.Option("--reason", help="e.g. 'opening balance'.")],
    serials: SerialsArg = None,
    qty: QtyOpt = None,
    lot: Annotated[str | None, typer.Option("--lot")] = None,
    expiry: Annotated[str | None, typer.Option("--expiry", help="YYYY-MM-DD")] = None,
    cost: Annotated[str | None, typer.Option("--cost")] = None,
    serials_file: SerialsFileOpt = None,
    column: ColumnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Adjustment: found stock or an opening balance."""
    from serialtrack import posting

    doc = posting.add_found(
        warehouse=warehouse, product=product, user=current_user(), reason=reason,
        serials=serial_input(serials, serials_file, column), quantity=qty, lot=lot,
        expiry=parse_date(expiry, "expiry"), cost=parse_money(cost),
    )
    posted(doc, as_json)


@app.command()
@command
def ship(
    warehouse: Annotated[str, typer.Option("--warehouse", "-w", help="CODE or CODE/BIN.")],
    customer: Annotated[str, typer.Option("--customer")],
    product: ProductOpt,
    serials: SerialsArg = None,
    qty: QtyOpt = None,
    lot: Annotated[str | None, typer.Option("--lot", help="Lot to ship (default FEFO).")] = None,
    reference: Annotated[str, typer.Option("--reference", help="e.g. sales order")] = "",
    serials_file: SerialsFileOpt = None,
    column: ColumnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ship to a customer: exact serials, or a quantity (earliest expiry, then oldest, first)."""
    from serialtrack import posting

    doc = posting.ship(
        warehouse=warehouse, customer=customer, product=product, user=current_user(),
        serials=serial_input(serials, serials_file, column), quantity=qty, lot=lot,
        reference=reference,
    )
    posted(doc, as_json)


@app.command("return")
@command
def return_(
    shipment: Annotated[str, typer.Option("--shipment", help="The shipment's number.")],
    serials: SerialsArg = None,
    disposition: Annotated[str, typer.Option("--disposition",
                                             help="restock | hold | repair | scrap")] = "restock",
    warehouse: Annotated[str | None, typer.Option(
        "--warehouse", "-w", help="Where it comes back to (default: the shipment's).")] = None,
    product: Annotated[str | None, typer.Option(
        "--product", "-p", help="For lot/quantity products, with --qty.")] = None,
    qty: QtyOpt = None,
    lot: Annotated[str | None, typer.Option("--lot")] = None,
    reason: ReasonOpt = "",
    serials_file: SerialsFileOpt = None,
    column: ColumnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Customer return from a named shipment."""
    from serialtrack import posting

    if product and qty and not serials and not serials_file:
        doc = posting.receive_quantity_return(
            shipment=shipment, product=product, quantity=qty, lot=lot, warehouse=warehouse,
            user=current_user(), reason=reason)
    else:
        doc = posting.receive_return(
            shipment=shipment, serials=serial_input(serials, serials_file, column),
            disposition=disposition, warehouse=warehouse, user=current_user(), reason=reason)
    posted(doc, as_json)


@app.command()
@command
def transfer(
    source: Annotated[str, typer.Option("--from", help="CODE or CODE/BIN.")],
    destination: Annotated[str, typer.Option("--to", help="CODE or CODE/BIN.")],
    product: ProductOpt,
    serials: SerialsArg = None,
    qty: QtyOpt = None,
    lot: Annotated[str | None, typer.Option("--lot")] = None,
    reason: ReasonOpt = "",
    serials_file: SerialsFileOpt = None,
    column: ColumnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move stock between warehouses or bins."""
    from serialtrack import posting

    doc = posting.transfer(
        source=source, destination=destination, product=product, user=current_user(),
        serials=serial_input(serials, serials_file, column), quantity=qty, lot=lot,
        reason=reason)
    posted(doc, as_json)


def _serial_step(entry: str, doc: str) -> Callable[..., None]:
    """A command that moves listed serials of one product through one posting entry."""

    def run(
        product: ProductOpt,
        serials: SerialsArg = None,
        reason: ReasonOpt = "",
        serials_file: SerialsFileOpt = None,
        column: ColumnOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        from serialtrack import posting

        post = getattr(posting, entry)
        posted(post(product=product, serials=serial_input(serials, serials_file, column),
                    user=current_user(), reason=reason), as_json)

    run.__doc__ = doc
    return command(run)


app.command("hold")(_serial_step("hold", "Put units on hold (quarantine): they cannot ship."))
app.command("release")(_serial_step("release", "Release held units back into stock."))
repair_app.command("start")(_serial_step("start_repair", "Send units from stock into repair."))
repair_app.command("done")(_serial_step("repair_done", "Repaired: back in stock where it is."))


@app.command()
@command
def scrap(
    product: ProductOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why it is written off.")],
    serials: SerialsArg = None,
    qty: QtyOpt = None,
    warehouse: Annotated[str | None, typer.Option(
        "--warehouse", "-w", help="For lot/quantity products.")] = None,
    lot: Annotated[str | None, typer.Option("--lot")] = None,
    serials_file: SerialsFileOpt = None,
    column: ColumnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write off (scrap) units or a quantity, with a reason."""
    from serialtrack import posting

    doc = posting.scrap(product=product, reason=reason, user=current_user(),
                        serials=serial_input(serials, serials_file, column), quantity=qty,
                        warehouse=warehouse, lot=lot)
    posted(doc, as_json)


@repair_app.command("ship-back")
@command
def repair_ship_back(
    product: ProductOpt,
    serials: SerialsArg = None,
    customer: Annotated[str | None, typer.Option(
        "--customer", help="Default: the customer who returned it.")] = None,
    reason: ReasonOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Repaired and shipped back to the customer (warranty not restarted)."""
    from serialtrack import posting

    posted(posting.ship_back(product=product, serials=serial_input(serials, None, None),
                             customer=customer, user=current_user(), reason=reason), as_json)


@repair_app.command("replace")
@command
def repair_replace(
    product: ProductOpt,
    old: Annotated[str, typer.Argument(help="Serial of the unit in repair (scrapped).")],
    new: Annotated[str, typer.Argument(help="Serial of the replacement from stock (shipped).")],
    customer: Annotated[str | None, typer.Option("--customer")] = None,
    reason: ReasonOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Beyond repair: scrap it and ship a replacement, which keeps the remaining warranty."""
    from serialtrack import posting

    posted(posting.replace(product=product, old=old, new=new, customer=customer,
                           user=current_user(), reason=reason), as_json)


@app.command()
@command
def reverse(number: str, reason: ReasonOpt = "", as_json: JsonOpt = False) -> None:
    """Post a document reversing NUMBER (refused if any unit has moved on since)."""
    from serialtrack import posting

    posted(posting.reverse(number=number, user=current_user(), reason=reason), as_json)


@app.command("correct-serial")
@command
def correct_serial(
    product: ProductOpt,
    old: str,
    new: str,
    reason: Annotated[str, typer.Option("--reason")],
    as_json: JsonOpt = False,
) -> None:
    """Rename a mistyped serial through an audited correction; the old text stays findable."""
    from serialtrack import posting

    posted(posting.correct_serial(product=product, old=old, new=new, reason=reason,
                                  user=current_user()), as_json)


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
    from serialtrack.posting.errors import NotFound, Problem
    from serialtrack.queries import document_summary, find_unit

    document = None
    if not product:
        with contextlib.suppress(NotFound):
            document = catalog.get_document(number)
    if document is None:
        try:
            unit = find_unit(number, product)
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


def render_unit(d: dict[str, Any]) -> None:
    u = d["unit"]
    out.print(f"[bold]{u['product']} {u['serial']}[/] — {u['status']} "
              f"{u['location'] or u['holder'] or ''}", highlight=False)
    for key, label in (("manufacturer_serial", "manufacturer serial"), ("product_name", "product"),
                       ("lot", "lot"), ("expiry", "expiry"), ("cost", "cost"),
                       ("received_at", "received"), ("warranty_end", "warranty end")):
        if u.get(key):
            out.print(f"  {label}: {u[key]}", highlight=False)


@app.command()
@command
def history(
    serial: str,
    product: Annotated[str | None, typer.Option("--product", "-p")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A unit's full history, oldest first."""
    from serialtrack.queries import unit_history

    data = unit_history(serial, product)

    def render(d: dict[str, Any]) -> None:
        u = d["unit"]
        where = u["location"] or u["holder"] or ""
        out.print(f"[bold]{u['product']} {u['serial']}[/] — {u['status']} {where}",
                  highlight=False)
        if u["manufacturer_serial"]:
            out.print(f"manufacturer serial: {u['manufacturer_serial']}", highlight=False)
        if u["former_serials"]:
            out.print(f"formerly: {', '.join(u['former_serials'])}", highlight=False)
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
    as_json: JsonOpt = False,
) -> None:
    """Stock on hand by warehouse, bin and product (with serials), and lot/plain quantities."""
    from serialtrack import queries

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
            qt = Table("warehouse", "bin", "product", "lot", "expiry", "quantity")
            for q in d["quantities"]:
                qt.add_row(q["warehouse"], q["bin"], q["product"], q["lot"] or "",
                           q["expiry"] or "", str(q["quantity"]))
            out.print(qt)
        if not d["units"] and not d["quantities"]:
            out.print("no stock on hand")

    emit(data, as_json, render)


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
    from serialtrack.demo import run_demo

    run_demo(out, as_json)


# Sub-apps defined in their own modules (they use `command`, `emit`… from here, hence last).
from serialtrack.cli.accounts import token_app, user_app  # noqa: E402

app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")

from serialtrack.cli.labels import labels_app  # noqa: E402

app.add_typer(labels_app, name="labels")

from serialtrack.cli.checks import check_serials  # noqa: E402

app.command("check-serials")(check_serials)


@app.command()
@command
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", envvar="SERIALTRACK_WORKERS",
                                         help="Server worker processes.")] = 2,
    timeout: Annotated[int, typer.Option(
        "--timeout", envvar="SERIALTRACK_REQUEST_TIMEOUT",
        help="Seconds one request may take before its worker is restarted (a 1,000,000-serial "
             "receipt in one request, or a large upload, takes minutes).")] = 600,
    as_json: JsonOpt = False,
) -> None:
    """Serve the REST API and the web pages with uWSGI, a production server."""
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
    # serialtrack.server: uWSGI and its settings (access log, closing, the URL map loaded at
    # start, SQLite's WAL checkpoint off the request path).
    from serialtrack.server import command

    args = command(host, port, workers, timeout)
    os.execv(sys.executable, args)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)

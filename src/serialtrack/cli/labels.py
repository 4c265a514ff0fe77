"""`serialtrack labels …`: label sheets as PDF, and the sheet layouts on offer.

    serialtrack labels --layout a4-3x8 --document RCV-000001 --output labels.pdf
    serialtrack labels --layout roll-62x29 --product HT-200 device-00121 device-00122 -o l.pdf
    serialtrack labels --product HT-200 --range device-00121..device-00125 --output labels.pdf
    serialtrack labels layouts
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.table import Table
from typer.core import TyperGroup

from serialtrack.cli.common import JsonOpt, SerialsArg, command, emit, out


class _PrintByDefault(TyperGroup):
    """`serialtrack labels --layout …` runs `labels print`; `labels layouts` lists the layouts."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["print", *args]
        return super().parse_args(ctx, args)


labels_app = typer.Typer(
    cls=_PrintByDefault, no_args_is_help=True,
    help="Label sheets (PDF): product name, SKU and serial as text and barcode. "
         "`serialtrack labels --layout a4-3x8 --document RCV-000001 --output labels.pdf`; "
         "`serialtrack labels layouts` lists the layouts.")


@labels_app.command("print")
@command
def labels_print(
    output: Annotated[Path, typer.Option("--output", "-o", dir_okay=False,
                                         help="PDF file to write (- for standard output).")],
    serials: SerialsArg = None,
    layout: Annotated[str, typer.Option("--layout", help="Sheet layout (see `labels layouts`).")]
    = "a4-3x8",
    symbology: Annotated[str | None, typer.Option(
        "--symbology", help="code128 | qr | datamatrix (default: GS1 DataMatrix for a product with "
        "a GTIN, else Code 128)")] = None,
    document: Annotated[str | None, typer.Option("--document", help="Label the units a document "
                                                 "moved, e.g. RCV-000001.")] = None,
    product: Annotated[str | None, typer.Option("--product", "-p", help="Product SKU of the "
                                                "serials or range.")] = None,
    serial_range: Annotated[str | None, typer.Option("--range", help="Serial range, e.g. "
                                                     "A-001..A-050.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Render labels to PDF (the default: `serialtrack labels --layout … --output …`)."""
    from serialtrack.labels import check_options, render_sheet
    from serialtrack.queries.labels import units_for
    from serialtrack.serials import expand_tokens

    check_options(layout, symbology)
    units = units_for(document=document, serials=list(expand_tokens(serials or [])),
                      product=product, range=serial_range)
    sheet = render_sheet(units, layout, symbology)
    if str(output) == "-":
        sys.stdout.buffer.write(sheet.pdf)
        sys.stdout.buffer.flush()
        return
    _write(output, sheet.pdf)
    data = {"output": str(output), "layout": layout, "labels": sheet.labels, "pages": sheet.pages,
            "symbologies": sheet.symbologies}
    emit(data, as_json, lambda d: out.print(
        f"{d['labels']} label(s) on {d['pages']} page(s) of {d['layout']} → {d['output']}",
        highlight=False))


def _write(path: Path, content: bytes) -> None:
    """Whole or not at all: a half-written PDF never replaces a good one."""
    directory = path.resolve().parent
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@labels_app.command("layouts")
@command
def labels_layouts(as_json: JsonOpt = False) -> None:
    """List the sheet layouts: label stock, label size, labels per page."""
    from serialtrack.labels import LAYOUTS

    rows = [layout.as_dict() for layout in LAYOUTS.values()]

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("layout", "stock", "label (mm)", "per page", "page (mm)")
        for r in rows:
            table.add_row(r["name"], r["stock"], "{:g} × {:g}".format(*r["label_mm"]),
                          f"{r['columns']} × {r['rows']} = {r['per_page']}",
                          "{:g} × {:g}".format(*r["page_mm"]))
        out.print(table)

    emit(rows, as_json, render)

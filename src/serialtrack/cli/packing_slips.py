"""`serialtrack packing-slip SHP-000001 -o slip.pdf`: a shipment's delivery note / packing slip
as a PDF (every serial, every lot with its expiry, per line)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from serialtrack.cli.common import JsonOpt, command, emit, out
from serialtrack.cli.labels import _write


@command
def packing_slip(
    number: Annotated[str, typer.Argument(metavar="SHIPMENT")],
    output: Annotated[Path, typer.Option("--output", "-o", dir_okay=False,
                                         help="PDF file to write (- for standard output).")],
    as_json: JsonOpt = False,
) -> None:
    """Delivery note / packing slip of a shipment (or a return to supplier) as a PDF."""
    from serialtrack.packing_slips import render_packing_slip
    from serialtrack.queries.packing_slips import packing_slip as slip_of

    slip = slip_of(number)
    pdf = render_packing_slip(slip)
    if str(output) == "-":
        sys.stdout.buffer.write(pdf)
        sys.stdout.buffer.flush()
        return
    _write(output, pdf)
    data = {"output": str(output), "document": slip.number, "serials": slip.serial_count,
            "lines": len(slip.lines)}
    emit(data, as_json, lambda d: out.print(
        f"packing slip of {d['document']} ({d['serials']:,} serials) → {d['output']}",
        highlight=False))

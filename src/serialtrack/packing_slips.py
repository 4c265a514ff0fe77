"""Delivery note / packing slip of a shipment as a PDF: the customer, document number, date,
reference, and per line the product, quantity, each lot with its expiry and quantity, and every
serial — in compact columns, as many pages as it takes (a 10,000-serial shipment is a dozen A4
pages). A return to supplier gets the same note, addressed to the supplier.

Drawn with reportlab's canvas directly (no flowables: laying out tens of thousands of serials
as table cells is what would make it slow), in the fonts the label sheets embed."""

from __future__ import annotations

import heapq
import io
from dataclasses import dataclass

from serialtrack.labels import fonts
from serialtrack.queries.packing_slips import Slip

PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MARGIN = 36.0
SERIAL_PT = 7.0
SERIAL_LEAD = 8.6
COLUMN_GAP = 10.0
TITLES = {"shipment": "Delivery note / Packing slip",
          "supplier_return": "Return to supplier — delivery note"}


@dataclass
class _Row:
    """One row of the body: a heading (line or lot) or a row of serials."""

    kind: str  # "line" | "lot" | "serials"
    texts: tuple[str, ...]


def _serial_font(slip: Slip, regular: str) -> str:
    """Helvetica (one of the PDF's standard fonts: nothing to embed, quick to set) when every
    serial is printable ASCII, else the embedded TrueType font."""
    plain = all(s.isascii() and s.isprintable() for ln in slip.lines for g in ln.groups
                for s in g.serials)
    return "Helvetica" if plain else regular


def _rows(slip: Slip, font: str) -> tuple[list[_Row], float]:
    """The body as rows, and the width of a serial column (measured on the 500 longest serials:
    a text's width grows with its length, give or take the letters in it)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width = PAGE_W - 2 * MARGIN
    serials = (s for ln in slip.lines for g in ln.groups for s in g.serials)
    longest = max((stringWidth(s, font, SERIAL_PT) for s in heapq.nlargest(500, serials, key=len)),
                  default=0.0)
    column = min(max(longest + COLUMN_GAP, 60.0), width)
    per_row = max(1, int(width // column))
    rows: list[_Row] = []
    for line in slip.lines:
        rows.append(_Row("line", (f"Line {line.line}", f"{line.sku} — {line.name}",
                                  f"Qty {line.quantity:,}")))
        for group in line.groups:
            if group.lot is not None:
                expiry = f", expires {group.expiry.isoformat()}" if group.expiry else ""
                rows.append(_Row("lot", (f"Lot {group.lot}{expiry}: {group.quantity:,}",)))
            elif not group.serials:
                rows.append(_Row("lot", (f"Quantity: {group.quantity:,}",)))
            serials = group.serials
            for start in range(0, len(serials), per_row):
                rows.append(_Row("serials", tuple(serials[start:start + per_row])))
    return rows, column


def render_packing_slip(slip: Slip) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    regular, bold = fonts()
    serial_font = _serial_font(slip, regular)
    rows, column = _rows(slip, serial_font)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    title = TITLES.get(slip.kind, TITLES["shipment"])
    canvas.setTitle(f"{title} {slip.number}")
    canvas.setCreator("serialtrack")
    page = 1

    def header(first: bool) -> float:
        y = PAGE_H - MARGIN
        canvas.setFont(bold, 14 if first else 10)
        canvas.drawString(MARGIN, y - 12, f"{title} {slip.number}")
        canvas.setFont(regular, 8)
        canvas.drawRightString(PAGE_W - MARGIN, y - 10, f"page {page}")
        y -= 22
        if not first:
            return y - 6
        facts = [(slip.party_role, slip.party), ("Document", slip.number),
                 ("Date", slip.posted_at.date().isoformat()), ("Reference", slip.reference),
                 ("From warehouse", slip.warehouse),
                 ("Against", slip.related or ""), ("Reason", slip.reason),
                 ("Serials", f"{slip.serial_count:,}")]
        for label, value in facts:
            if not value:
                continue
            canvas.setFont(bold, 9)
            canvas.drawString(MARGIN, y - 9, f"{label}:")
            canvas.setFont(regular, 9)
            canvas.drawString(MARGIN + 100, y - 9, value)
            y -= 12
        return y - 8

    run: list[tuple[str, ...]] = []  # serial rows drawn together: one text object a column
    run_top = 0.0

    def flush() -> None:
        if not run:
            return
        for i in range(max(len(r) for r in run)):
            text = canvas.beginText(MARGIN + i * column, run_top - 6.8)
            text.setFont(serial_font, SERIAL_PT, SERIAL_LEAD)
            for r in run:
                text.textLine(r[i] if i < len(r) else "")
            canvas.drawText(text)
        run.clear()

    y = header(True)
    for row in rows:
        height = SERIAL_LEAD if row.kind == "serials" else (16 if row.kind == "line" else 12)
        if y - height < MARGIN:
            flush()
            canvas.showPage()
            page += 1
            y = header(False)
        if row.kind != "serials":
            flush()
        if row.kind == "line":
            canvas.setFont(bold, 10)
            canvas.drawString(MARGIN, y - 12, row.texts[0])
            canvas.drawString(MARGIN + 50, y - 12, row.texts[1])
            canvas.drawRightString(PAGE_W - MARGIN, y - 12, row.texts[2])
            canvas.setLineWidth(0.4)
            canvas.line(MARGIN, y - 15, PAGE_W - MARGIN, y - 15)
        elif row.kind == "lot":
            canvas.setFont(bold, 8.5)
            canvas.drawString(MARGIN + 8, y - 9.5, row.texts[0])
        else:
            if not run:
                run_top = y
            run.append(row.texts)
        y -= height
    flush()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()

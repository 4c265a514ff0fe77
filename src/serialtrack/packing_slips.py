"""Delivery note / packing slip of a shipment as a PDF: the customer, document number, date,
reference, and per line the product, quantity, each lot with its expiry and quantity, and every
serial — in compact columns, as many pages as it takes (a 10,000-serial shipment is a dozen A4
pages). A return to supplier gets the same note, addressed to the supplier.

Drawn with reportlab's canvas directly (no flowables: laying out tens of thousands of serials
as table cells is what would make it slow), in the fonts the label sheets embed."""

from __future__ import annotations

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


def _rows(slip: Slip, regular: str) -> tuple[list[_Row], float]:
    """The body as rows, and the width of a serial column."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width = PAGE_W - 2 * MARGIN
    longest = max((stringWidth(s, regular, SERIAL_PT) for ln in slip.lines for g in ln.groups
                   for s in g.serials), default=0.0)
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
    rows, column = _rows(slip, regular)
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
            canvas.drawString(MARGIN + 90, y - 9, value)
            y -= 12
        return y - 8

    y = header(True)
    for row in rows:
        height = SERIAL_LEAD if row.kind == "serials" else (16 if row.kind == "line" else 12)
        if y - height < MARGIN:
            canvas.showPage()
            page += 1
            y = header(False)
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
            canvas.setFont(regular, SERIAL_PT)
            for i, serial in enumerate(row.texts):
                canvas.drawString(MARGIN + i * column, y - 6.8, serial)
        y -= height
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()

"""The purchase order as a PDF, to send to the supplier: header (number, supplier, dates,
reference), one row per line (product, name, quantity, unit price, amount) and the total.
Laid out with reportlab's platypus, in the fonts the label sheets embed."""

from __future__ import annotations

import io
from typing import Any

from serialtrack.labels import fonts


def purchase_order_pdf(order: dict[str, Any], business: str = "") -> bytes:
    """`order` as `queries.orders.order_summary` gives it."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    title = ParagraphStyle("title", fontName=bold, fontSize=16, leading=20)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm,
                            title=f"Purchase order {order['number']}", author="serialtrack")

    def text(value: Any) -> str:
        return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))

    story: list[Any] = [Paragraph(f"Purchase order {text(order['number'])}", title)]
    if business:
        story.append(Paragraph(text(business), body))
    facts = [("Supplier", order["party"]), ("Date", order["created_at"][:10]),
             ("Expected", order["expected_date"] or ""), ("Reference", order["reference"]),
             ("Status", order["status_label"])]
    story += [Paragraph(f"<b>{k}:</b> {text(v)}", body) for k, v in facts if v]
    story.append(Spacer(1, 6 * mm))
    rows: list[list[Any]] = [["Line", "Product", "Description", "Quantity", "Unit price",
                              "Amount"]]
    for line in order["lines"]:
        rows.append([str(line["line"]), line["product"], Paragraph(text(line["name"]), body),
                     str(line["ordered"]), line["unit_price"] or "", line["amount"] or ""])
    rows.append(["", "", "Total", str(order["ordered"]), "", order["total"] or ""])
    table = Table(rows, colWidths=[12 * mm, 32 * mm, 60 * mm, 20 * mm, 24 * mm, 26 * mm],
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), regular, 10),
        ("FONT", (0, 0), (-1, 0), bold, 10),
        ("FONT", (0, -1), (-1, -1), bold, 10),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(table)
    doc.build(story)
    return buffer.getvalue()

"""Reading a label PDF back: render its pages, decode every barcode with zxing-cpp, and check
each lies inside its own label with no ink outside the labels' printable areas."""

from __future__ import annotations

from typing import Any

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, ImageDraw

from serialtrack.labels import Layout


def pages_of(pdf: bytes, dpi: int) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72, grayscale=True).to_pil() for page in document]
    finally:
        document.close()


def page_count(pdf: bytes) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def assert_no_ink_outside_labels(image: Image.Image, layout: Layout, dpi: int) -> None:
    """White out every label's printable area (plus a pixel of anti-aliasing): the page must then
    be blank. Text and bars that overflowed a label would show here."""
    px = dpi / 25.4
    blank = image.copy()
    draw = ImageDraw.Draw(blank)
    for position in range(layout.per_page):
        box = layout.content_box(position)
        draw.rectangle((box.x * px - 1, box.y * px - 1, (box.x + box.w) * px + 1,
                        (box.y + box.h) * px + 1), fill=255)
    ink = blank.point(lambda v: 255 if v < 200 else 0).getbbox()
    assert ink is None, f"ink outside the labels of {layout.name} at {ink} px"


def label_at(layout: Layout, barcode: Any, dpi: int) -> int:
    corners = [barcode.position.top_left, barcode.position.top_right,
               barcode.position.bottom_left, barcode.position.bottom_right]
    x = sum(c.x for c in corners) / 4 * 25.4 / dpi
    y = sum(c.y for c in corners) / 4 * 25.4 / dpi
    for position in range(layout.per_page):
        box = layout.content_box(position)
        if box.x <= x <= box.x + box.w and box.y <= y <= box.y + box.h:
            return position
    raise AssertionError(f"a barcode outside every label: {barcode.text!r} at {x:.1f}, {y:.1f} mm")


def read_back(pdf: bytes, layout: Layout, dpi: int = 600) -> list[dict[int, Any]]:
    """Per page: label position -> the barcode decoded there."""
    pages = []
    for image in pages_of(pdf, dpi):
        assert_no_ink_outside_labels(image, layout, dpi)
        found: dict[int, Any] = {}
        for barcode in zxingcpp.read_barcodes(image):
            position = label_at(layout, barcode, dpi)
            assert position not in found, f"two barcodes on label {position}"
            found[position] = barcode
        pages.append(found)
    return pages

"""Label sheets: each unit's product name, SKU and serial, as text and as a barcode, laid out on a
sheet of labels (A4, US Letter) or on a roll printer's single labels, as one PDF.

Barcodes are encoded by zxing-cpp (the library the tests read them back with) and drawn as vector
rectangles, one per run of dark modules, with the module size a whole number of printer dots and
the symbol placed on the dot grid: no resampling, no blur. Symbologies:

- `datamatrix`: for a product with a GTIN, a GS1 DataMatrix carrying (01) GTIN, (17) expiry and
  (10) lot when the unit has them, and (21) serial, with the FNC1/GS separators GS1 requires; for
  a product without a GTIN, a plain Data Matrix carrying the serial.
- `code128`: the serial (ISO 8859-1 text).
- `qr`: the serial (UTF-8 text), error correction level M.

A unit that carries a manufacturer serial beside its own shows both as text, `S/N` (its own
serial) and `MFR` (the maker's); the barcode always carries its own serial, the one serialtrack
tracks (GS1's (21)).

The default is a GS1 DataMatrix when the product has a GTIN and the unit's data fits GS1's rules
(serial and lot: at most 20 characters of GS1 character set 82), else a Code 128 when the serial
is ASCII and fits the label as one, else a QR code. A symbology asked for by name that cannot
carry a unit is refused, naming every such serial; nothing is rendered."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serialtrack.errors import InvalidInput, Problem, refuse

SYMBOLOGIES = ("code128", "qr", "datamatrix")
DEFAULT_LAYOUT = "a4-3x8"
MAX_LABELS = 10_000  # per sheet run: larger receipts print in ranges

MM = 72 / 25.4  # PDF points per millimetre
MIN_LINEAR_MODULE = 0.08  # mm: a narrower Code 128 bar is refused (or, by default, made a QR code)
MAX_LINEAR_MODULE = 0.5
MIN_MATRIX_MODULE = 0.25
MAX_MATRIX_MODULE = 1.0
MAX_BAR_HEIGHT = 18.0  # mm
MIN_BAR_HEIGHT = 5.0
GAP = 0.8  # mm between text and symbol
MIN_PT = 5.0  # smallest type size text shrinks to

# GS1 AI encodable character set 82 (GS1 General Specifications 7.11), and the length limit of
# the (21) serial and (10) lot elements.
GS1_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")


# -- what a label carries ------------------------------------------------------------------------

@dataclass(frozen=True)
class LabelUnit:
    serial: str
    sku: str
    name: str
    gtin: str | None = None  # 14 digits
    lot: str | None = None
    expiry: dt.date | None = None
    manufacturer_serial: str | None = None


@dataclass(frozen=True)
class Layout:
    """A label stock: page size, label size, grid, and where the first label sits (millimetres,
    from the page's top left). `padding` is kept blank inside every label: the printer's
    unprintable edge, rounded corners. `dpi` is the printer's dot grid barcodes snap to."""

    name: str
    stock: str
    page: tuple[float, float]
    label: tuple[float, float]
    grid: tuple[int, int]  # columns, rows
    origin: tuple[float, float]  # left and top margin
    pitch: tuple[float, float]  # label to label, across and down
    padding: tuple[float, float]
    dpi: int

    @property
    def per_page(self) -> int:
        return self.grid[0] * self.grid[1]

    def label_box(self, position: int) -> Box:
        """The label at `position` (0-based, across then down) of a page."""
        column, row = position % self.grid[0], position // self.grid[0]
        return Box(self.origin[0] + column * self.pitch[0], self.origin[1] + row * self.pitch[1],
                   *self.label)

    def content_box(self, position: int) -> Box:
        box = self.label_box(position)
        pad_x, pad_y = self.padding
        return Box(box.x + pad_x, box.y + pad_y, box.w - 2 * pad_x, box.h - 2 * pad_y)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "stock": self.stock, "page_mm": list(self.page),
                "label_mm": list(self.label), "columns": self.grid[0], "rows": self.grid[1],
                "per_page": self.per_page, "margin_mm": list(self.origin),
                "pitch_mm": list(self.pitch), "padding_mm": list(self.padding), "dpi": self.dpi}


@dataclass(frozen=True)
class Box:
    """A rectangle in millimetres, from the page's top left."""

    x: float
    y: float
    w: float
    h: float


A4 = (210.0, 297.0)
LETTER = (215.9, 279.4)
INCH = 25.4

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (
    Layout("a4-3x8", "Avery 3474 (70 × 37 mm, 24 per A4 sheet, edge to edge)", A4, (70.0, 37.0),
           (3, 8), (0.0, 0.5), (70.0, 37.0), (4.5, 4.0), 600),
    Layout("a4-3x7", "Avery L7160 (63.5 × 38.1 mm, 21 per A4 sheet)", A4, (63.5, 38.1),
           (3, 7), (7.25, 15.15), (66.0, 38.1), (2.5, 2.5), 600),
    Layout("a4-2x7", "Avery L7163 (99.1 × 38.1 mm, 14 per A4 sheet)", A4, (99.1, 38.1),
           (2, 7), (4.65, 15.15), (101.6, 38.1), (3.0, 2.5), 600),
    Layout("a4-2x4", "Avery L7165 (99.1 × 67.7 mm, 8 per A4 sheet)", A4, (99.1, 67.7),
           (2, 4), (4.65, 13.1), (101.6, 67.7), (3.0, 3.0), 600),
    Layout("letter-3x10", "Avery 5160 (2⅝ × 1 in, 30 per Letter sheet)", LETTER,
           (2.625 * INCH, 1.0 * INCH), (3, 10), (0.1875 * INCH, 0.5 * INCH),
           (2.75 * INCH, 1.0 * INCH), (2.0, 1.5), 600),
    Layout("letter-2x10", "Avery 5161 (4 × 1 in, 20 per Letter sheet)", LETTER,
           (4.0 * INCH, 1.0 * INCH), (2, 10), (0.15625 * INCH, 0.5 * INCH),
           (4.1875 * INCH, 1.0 * INCH), (2.5, 1.5), 600),
    Layout("letter-2x5", "Avery 5163 (4 × 2 in, 10 per Letter sheet)", LETTER,
           (4.0 * INCH, 2.0 * INCH), (2, 5), (0.15625 * INCH, 0.5 * INCH),
           (4.1875 * INCH, 2.0 * INCH), (3.0, 2.5), 600),
    # Roll printers: one label per page. Brother DK-11209 on a QL printer prints 696 × 271 of
    # its 732 × 341 dots (300 dpi): 1.5 mm unprintable at the sides, 3 mm at the ends.
    Layout("roll-62x29", "Brother DK-11209 (62 × 29 mm die-cut, QL printers, 300 dpi)",
           (62.0, 29.0), (62.0, 29.0), (1, 1), (0.0, 0.0), (62.0, 29.0), (1.5, 3.0), 300),
    Layout("roll-57x32", "Dymo 11354 (57 × 32 mm, LabelWriter printers, 300 dpi)",
           (57.0, 32.0), (57.0, 32.0), (1, 1), (0.0, 0.0), (57.0, 32.0), (2.0, 2.0), 300),
)}


def get_layout(name: str) -> Layout:
    layout = LAYOUTS.get((name or "").strip())
    if layout is None:
        raise InvalidInput([Problem("invalid", f"unknown layout {name!r}; choose one of "
                                    f"{', '.join(LAYOUTS)}", field="layout")])
    return layout


# -- barcodes ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Symbol:
    """An encoded barcode: its modules (dark = True; one row for a linear symbol) and what a
    scan of it yields (for GS1, the bracketed element string)."""

    symbology: str  # code128 | qr | datamatrix | gs1-datamatrix
    content: str
    modules: tuple[tuple[bool, ...], ...]
    quiet: int  # quiet zone, in modules, each side

    @property
    def linear(self) -> bool:
        return self.symbology == "code128"

    @property
    def width(self) -> int:
        return len(self.modules[0])

    @property
    def height(self) -> int:
        return len(self.modules)


def gs1_problem(unit: LabelUnit) -> str | None:
    """Why `unit` cannot be a GS1 element string, or None."""
    if not unit.gtin:
        return f"product {unit.sku} has no GTIN"
    if not GS1_CSET82.fullmatch(unit.serial):
        return (f"serial {unit.serial!r} is not a GS1 serial (21): at most 20 letters, digits "
                "and !\"%&'()*+,-./:;<=>?_")
    if unit.lot is not None and not GS1_CSET82.fullmatch(unit.lot):
        return (f"lot {unit.lot!r} of serial {unit.serial!r} is not a GS1 lot (10): at most 20 "
                "letters, digits and !\"%&'()*+,-./:;<=>?_")
    return None


def gs1_elements(unit: LabelUnit) -> list[tuple[str, str]]:
    """(AI, value) pairs: fixed-length elements first, so only the lot needs a GS separator."""
    elements = [("01", (unit.gtin or "").zfill(14))]
    if unit.expiry is not None:
        elements.append(("17", unit.expiry.strftime("%y%m%d")))
    if unit.lot:
        elements.append(("10", unit.lot))
    elements.append(("21", unit.serial))
    return elements


def gs1_text(unit: LabelUnit) -> str:
    """The human-readable element string, `(01)…(17)…(10)…(21)…`."""
    return "".join(f"({ai}){value}" for ai, value in gs1_elements(unit))


def _encode(content: str, format_name: str, **options: Any) -> tuple[tuple[bool, ...], ...]:
    import zxingcpp

    barcode = zxingcpp.create_barcode(content, getattr(zxingcpp.BarcodeFormat, format_name),
                                      **options)
    image = memoryview(barcode.to_image(scale=1, add_quiet_zones=False))
    height, width = image.shape
    data = image.tobytes()
    return tuple(tuple(data[r * width + c] < 128 for c in range(width)) for r in range(height))


def _gs1_datamatrix(unit: LabelUnit) -> Symbol:
    # Square brackets around the AIs: unlike parentheses they cannot occur in GS1 data, so a
    # serial like `A(21)B` stays one value. zxing-cpp adds FNC1 first and GS after the lot.
    bracketed = "".join(f"[{ai}]{value}" for ai, value in gs1_elements(unit))
    modules = _encode(bracketed, "DataMatrix", gs1=True, force_square=True)
    return Symbol("gs1-datamatrix", gs1_text(unit), modules, 1)


def _datamatrix(serial: str) -> Symbol:
    return Symbol("datamatrix", serial, _encode(serial, "DataMatrix", force_square=True), 1)


def _qr(serial: str) -> Symbol:
    return Symbol("qr", serial, _encode(serial, "QRCode", ec_level="M"), 4)


def _code128(serial: str) -> Symbol | None:
    """None when the serial is over the 102 symbol characters a Code 128 may have."""
    try:
        return Symbol("code128", serial, _encode(serial, "Code128")[:1], 10)
    except ValueError:
        return None


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def choose_symbol(unit: LabelUnit, symbology: str | None, layout: Layout) -> Symbol:
    """The barcode for `unit` on `layout` (see the module's docstring); refused when the
    symbology asked for cannot carry the unit on this layout."""
    def refused(why: str) -> InvalidInput:
        return InvalidInput([Problem("invalid_serial", why, serial=unit.serial, field="symbology")])

    try:
        return _choose_symbol(unit, symbology, layout, refused)
    except ValueError as exc:  # zxing-cpp: more data than the symbology holds
        raise refused(f"serial {unit.serial!r} cannot be a {symbology or 'barcode'}: {exc}") from None


def _choose_symbol(unit: LabelUnit, symbology: str | None, layout: Layout, refused: Any) -> Symbol:
    if symbology is None:
        if unit.gtin and gs1_problem(unit) is None:
            return _gs1_datamatrix(unit)
        symbol = _code128(unit.serial) if unit.serial.isascii() else None
        if symbol is not None and _linear_module(symbol, layout) is not None:
            return symbol
        return _fits(_qr(unit.serial), layout, refused)
    if symbology == "datamatrix":
        if unit.gtin:
            why = gs1_problem(unit)
            if why:
                raise refused(f"{why}: it cannot be a GS1 DataMatrix; choose --symbology qr "
                              "or code128")
            return _fits(_gs1_datamatrix(unit), layout, refused)
        return _fits(_datamatrix(unit.serial), layout, refused)
    if symbology == "qr":
        return _fits(_qr(unit.serial), layout, refused)
    if symbology == "code128":
        if not _latin1(unit.serial):
            raise refused(f"serial {unit.serial!r}: Code 128 carries ISO 8859-1 text only; "
                          "choose --symbology qr or datamatrix")
        symbol = _code128(unit.serial)
        if symbol is None or _linear_module(symbol, layout) is None:
            raise refused(f"serial {unit.serial!r} is too long for a Code 128 on {layout.name} "
                          f"(bars would be under {MIN_LINEAR_MODULE} mm); choose --symbology qr "
                          "or datamatrix, or a wider layout")
        return symbol
    raise InvalidInput([Problem("invalid", f"unknown symbology {symbology!r}; choose one of "
                                f"{', '.join(SYMBOLOGIES)}", field="symbology")])


def _fits(symbol: Symbol, layout: Layout, refused: Any) -> Symbol:
    if _matrix_module(symbol, layout) is None:
        raise refused(f"serial {symbol.content!r}: a {symbol.symbology} of {symbol.width} modules "
                      f"does not fit a label of {layout.name}")
    return symbol


def _dot(layout: Layout) -> float:
    return INCH / layout.dpi


def _whole_dots(size: float, layout: Layout) -> float:
    dot = _dot(layout)
    return math.floor(size / dot + 1e-9) * dot


def _snap(value: float, layout: Layout) -> float:
    """`value` (mm) moved up to the next printer dot."""
    dot = _dot(layout)
    return math.ceil(value / dot - 1e-9) * dot


def _linear_module(symbol: Symbol, layout: Layout) -> float | None:
    """Bar module size: the bars within the printable area, their quiet zones within the label."""
    content = layout.content_box(0)
    widest = min(content.w / symbol.width, layout.label[0] / (symbol.width + 2 * symbol.quiet),
                 MAX_LINEAR_MODULE)
    module = _whole_dots(widest, layout)
    return module if module >= MIN_LINEAR_MODULE else None


def _matrix_side(layout: Layout) -> float:
    """Room for a 2D symbol with its quiet zone: the printable height, at most half the width."""
    content = layout.content_box(0)
    return min(content.h, content.w / 2)


def _matrix_module(symbol: Symbol, layout: Layout) -> float | None:
    modules = max(symbol.width, symbol.height) + 2 * symbol.quiet
    module = _whole_dots(min(_matrix_side(layout) / modules, MAX_MATRIX_MODULE), layout)
    return module if module >= MIN_MATRIX_MODULE else None


# -- text that fits ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    text: str
    bold: bool
    size: float  # largest type size, points
    max_lines: int = 1
    wrap: str = "words"  # or "chars"
    optional: bool = False  # dropped first when the label is too small
    centered: bool = False


@dataclass
class Fitted:
    block: Text
    lines: list[str]
    size: float
    font: str
    ascent: float = 0.0  # mm
    line_height: float = 0.0  # mm

    @property
    def height(self) -> float:
        return len(self.lines) * self.line_height


_FONT_FILES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
)
_fonts: tuple[str, str] | None = None


def fonts() -> tuple[str, str]:
    """Regular and bold TrueType fonts, embedded in the PDF: DejaVu Sans when the system has it
    (wide Unicode coverage), else Bitstream Vera, which ships with reportlab."""
    global _fonts
    if _fonts is None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        regular, bold = next(((r, b) for r, b in _FONT_FILES if Path(r).exists() and Path(b).exists()),
                             ("Vera.ttf", "VeraBd.ttf"))
        pdfmetrics.registerFont(TTFont("LabelSans", regular))
        pdfmetrics.registerFont(TTFont("LabelSans-Bold", bold))
        _fonts = ("LabelSans", "LabelSans-Bold")
    return _fonts


def _width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size) / MM


def _wrap(text: str, font: str, size: float, width: float, mode: str) -> list[str]:
    pieces = text.split(" ") if mode == "words" else list(text)
    joiner = " " if mode == "words" else ""
    lines: list[str] = []
    line = ""
    for piece in pieces:
        candidate = f"{line}{joiner}{piece}" if line else piece
        if _width(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = piece
        while _width(line, font, size) > width and len(line) > 1:  # a word wider than a line
            cut = len(line) - 1
            while cut > 1 and _width(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    lines.append(line)
    return lines


def _ellipsize(text: str, font: str, size: float, width: float) -> str:
    while text and _width(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def fit_text(block: Text, width: float, scale: float = 1.0) -> Fitted:
    """`block` in at most `block.max_lines` lines of `width` mm: one line, shrinking to 70 % of
    the size; else wrapped, shrinking down to `MIN_PT`; what still does not fit ends in an
    ellipsis. Never wider than `width`."""
    from reportlab.pdfbase.pdfmetrics import getAscent, getDescent

    font = fonts()[1 if block.bold else 0]
    size = max(MIN_PT, block.size * scale)
    text = block.text
    lines: list[str] | None = None
    smallest = max(MIN_PT, size * 0.7)
    step = size
    while step >= smallest - 1e-9:
        if _width(text, font, step) <= width:
            lines, size = [text], step
            break
        step -= 0.25
    step = size
    while lines is None and step >= MIN_PT - 1e-9:
        wrapped = _wrap(text, font, step, width, block.wrap)
        if len(wrapped) <= block.max_lines:
            lines, size = wrapped, step
        step -= 0.25
    if lines is None:
        size = MIN_PT
        wrapped = _wrap(text, font, size, width, block.wrap)
        if len(wrapped) > block.max_lines:
            joiner = " " if block.wrap == "words" else ""
            rest = joiner.join(wrapped[block.max_lines - 1:])
            wrapped = [*wrapped[:block.max_lines - 1], _ellipsize(rest, font, size, width)]
        lines = [ln if _width(ln, font, size) <= width else _ellipsize(ln, font, size, width)
                 for ln in wrapped]
    ascent = getAscent(font, size) / MM
    line_height = max(size * 1.15, getAscent(font, size) - getDescent(font, size)) / MM
    return Fitted(block, lines, size, font, ascent, line_height)


def fit_blocks(blocks: Sequence[Text], width: float, height: float) -> list[Fitted]:
    """Blocks stacked in `width` × `height` mm: all shrink together; if the smallest sizes are
    still too tall, optional blocks go, then blocks lose lines, from the bottom."""
    scale = 1.0
    while True:
        fitted = [fit_text(b, width, scale) for b in blocks]
        if sum(f.height for f in fitted) <= height or all(f.size <= MIN_PT for f in fitted):
            break
        scale *= 0.92
    while sum(f.height for f in fitted) > height:
        optional = [i for i, f in enumerate(fitted) if f.block.optional]
        if optional:
            fitted.pop(optional[-1])
            continue
        longest = max(range(len(fitted)), key=lambda i: (len(fitted[i].lines), i))
        if len(fitted[longest].lines) <= 1:
            break
        f = fitted[longest]
        fitted[longest] = fit_text(Text(f.block.text, f.block.bold, f.size, len(f.lines) - 1,
                                        f.block.wrap, f.block.optional, f.block.centered), width)
    return fitted


# -- drawing -------------------------------------------------------------------------------------

@dataclass
class Sheet:
    pdf: bytes
    pages: int
    labels: int
    symbologies: dict[str, int] = field(default_factory=dict)


class _Page:
    """Drawing in millimetres from the page's top left onto a reportlab canvas."""

    def __init__(self, canvas: Any, layout: Layout) -> None:
        self.canvas = canvas
        self.height = layout.page[1]

    def text(self, fitted: Fitted, x: float, top: float, width: float) -> float:
        self.canvas.setFont(fitted.font, fitted.size)
        for line in fitted.lines:
            baseline = (self.height - top - fitted.ascent) * MM
            if fitted.block.centered:
                self.canvas.drawCentredString((x + width / 2) * MM, baseline, line)
            else:
                self.canvas.drawString(x * MM, baseline, line)
            top += fitted.line_height
        return top

    def symbol(self, symbol: Symbol, x: float, top: float, module: float,
               bar_height: float | None = None) -> None:
        """Dark modules as rectangles of one path, filled once: abutting modules leave no
        seams, and nothing is resampled."""
        path = self.canvas.beginPath()
        rows = [(symbol.modules[0], top, bar_height)] if symbol.linear else [
            (row, top + r * module, module) for r, row in enumerate(symbol.modules)]
        for row, row_top, row_height in rows:
            for start, length in _runs(row):
                path.rect((x + start * module) * MM, (self.height - row_top - row_height) * MM,
                          length * module * MM, row_height * MM)
        self.canvas.drawPath(path, stroke=0, fill=1)


def _runs(row: Sequence[bool]) -> Iterable[tuple[int, int]]:
    start = None
    for i, dark in enumerate((*row, False)):
        if dark and start is None:
            start = i
        elif not dark and start is not None:
            yield start, i - start
            start = None


def _details(unit: LabelUnit, symbol: Symbol) -> list[str]:
    details = []
    if symbol.symbology == "gs1-datamatrix":
        details.append(f"GTIN {unit.gtin}")
    if unit.lot:
        details.append(f"LOT {unit.lot}")
    if unit.expiry:
        details.append(f"EXP {unit.expiry.isoformat()}")
    return details


def _serial_blocks(unit: LabelUnit, size: float, max_lines: int, centered: bool = False
                   ) -> list[Text]:
    """The serial, bold; with a manufacturer serial, both, labelled S/N and MFR."""
    if not unit.manufacturer_serial:
        return [Text(unit.serial, True, size, max_lines=max_lines, wrap="chars",
                     centered=centered)]
    return [Text(f"S/N {unit.serial}", True, size, max_lines=max_lines, wrap="chars",
                 centered=centered),
            Text(f"MFR {unit.manufacturer_serial}", False, size * 0.8, max_lines=2,
                 wrap="chars", centered=centered)]


def _draw_matrix_label(page: _Page, layout: Layout, box: Box, unit: LabelUnit,
                       symbol: Symbol) -> None:
    """A square symbol on the left, the text beside it."""
    module = _matrix_module(symbol, layout) or MIN_MATRIX_MODULE
    quiet = symbol.quiet * module
    x = _snap(box.x + quiet, layout)
    top = _snap(box.y + (box.h - symbol.height * module) / 2, layout)
    page.symbol(symbol, x, top, module)
    text_x = x + symbol.width * module + max(quiet, 1.5)
    text_w = box.x + box.w - text_x
    blocks = [Text(unit.name, True, 9, max_lines=2), Text(f"SKU {unit.sku}", False, 7),
              *_serial_blocks(unit, 10, 3),
              *(Text(d, False, 6.5, optional=True) for d in _details(unit, symbol))]
    fitted = fit_blocks(blocks, text_w, box.h)
    y = box.y + (box.h - sum(f.height for f in fitted)) / 2
    for f in fitted:
        y = page.text(f, text_x, y, text_w)


def _draw_linear_label(page: _Page, layout: Layout, box: Box, unit: LabelUnit,
                       symbol: Symbol) -> None:
    """Name and SKU above the bars, the serial under them."""
    module = _linear_module(symbol, layout) or MIN_LINEAR_MODULE
    details = "  ".join([f"SKU {unit.sku}", *_details(unit, symbol)])
    head = [Text(unit.name, True, 8.5), Text(details, False, 6.5)]
    foot = _serial_blocks(unit, 9, 2, centered=True)
    scale = 1.0
    while True:
        fitted_head = [fit_text(b, box.w, scale) for b in head]
        fitted_foot = [fit_text(b, box.w, scale) for b in foot]
        text_h = sum(f.height for f in (*fitted_head, *fitted_foot))
        bar_h = box.h - text_h - 2 * GAP
        if bar_h >= MIN_BAR_HEIGHT or scale < 0.3:
            break
        scale *= 0.9
    if bar_h < MIN_BAR_HEIGHT:  # a very short label: the bars and the serial only
        fitted_head = []
        bar_h = box.h - sum(f.height for f in fitted_foot) - GAP
    bar_h = min(bar_h, MAX_BAR_HEIGHT)
    used = sum(f.height for f in (*fitted_head, *fitted_foot)) + bar_h + GAP * (
        2 if fitted_head else 1)
    y = box.y + (box.h - used) / 2
    for f in fitted_head:
        y = page.text(f, box.x, y, box.w)
    if fitted_head:
        y += GAP
    bars_top = _snap(y, layout)
    x = _snap(box.x + (box.w - symbol.width * module) / 2, layout)
    page.symbol(symbol, x, bars_top, module, bar_h)
    y = bars_top + bar_h + GAP
    for f in fitted_foot:
        y = page.text(f, box.x, y, box.w)


def check_options(layout: str, symbology: str | None) -> tuple[Layout, str | None]:
    """The layout named `layout` and the symbology (None: chosen per unit); unknown names are
    refused. Interfaces call this before loading units: a typo costs no database work."""
    if symbology is not None:
        symbology = symbology.strip().lower() or None
    problems = []
    try:
        sheet_layout = get_layout(layout)
    except InvalidInput as exc:
        problems += exc.problems
    if symbology is not None and symbology not in SYMBOLOGIES:
        problems.append(Problem("invalid", f"unknown symbology {symbology!r}; choose one of "
                                f"{', '.join(SYMBOLOGIES)}", field="symbology"))
    refuse(problems)
    return sheet_layout, symbology


def render_sheet(units: Sequence[LabelUnit], layout: str = DEFAULT_LAYOUT,
                 symbology: str | None = None) -> Sheet:
    """Labels for `units`, in order, across then down, as many pages as needed."""
    from reportlab.pdfgen.canvas import Canvas

    sheet_layout, symbology = check_options(layout, symbology)
    if not units:
        raise InvalidInput([Problem("invalid", "no units to label", field="serials")])
    if len(units) > MAX_LABELS:
        raise InvalidInput([Problem("invalid", f"{len(units):,} labels: at most {MAX_LABELS:,} "
                                    "in one run", field="serials")])
    symbols: list[Symbol] = []
    problems: list[Problem] = []
    for unit in units:
        try:
            symbols.append(choose_symbol(unit, symbology, sheet_layout))
        except InvalidInput as exc:
            problems += exc.problems
    refuse(problems)

    fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(sheet_layout.page[0] * MM, sheet_layout.page[1] * MM),
                    invariant=1, pageCompression=1)
    canvas.setTitle(f"serialtrack labels ({sheet_layout.name})")
    canvas.setCreator("serialtrack")
    page = _Page(canvas, sheet_layout)
    counts: dict[str, int] = {}
    for index, (unit, symbol) in enumerate(zip(units, symbols, strict=True)):
        position = index % sheet_layout.per_page
        if index and position == 0:
            canvas.showPage()
        box = sheet_layout.content_box(position)
        canvas.saveState()
        clip = canvas.beginPath()
        clip.rect(box.x * MM, (sheet_layout.page[1] - box.y - box.h) * MM, box.w * MM, box.h * MM)
        canvas.clipPath(clip, stroke=0, fill=0)
        draw = _draw_linear_label if symbol.linear else _draw_matrix_label
        draw(page, sheet_layout, box, unit, symbol)
        canvas.restoreState()
        counts[symbol.symbology] = counts.get(symbol.symbology, 0) + 1
    canvas.showPage()
    canvas.save()
    pages = math.ceil(len(units) / sheet_layout.per_page)
    return Sheet(buffer.getvalue(), pages, len(units), counts)


def render_labels(units: list[LabelUnit], layout: str = DEFAULT_LAYOUT,
                  symbology: str | None = None) -> bytes:
    """The PDF of `units`' labels on `layout`; `symbology` None picks per unit (see above)."""
    return render_sheet(units, layout, symbology).pdf

"""Serial text rules (DESIGN invariant 1), serial list input (ranges and files) and the text of
serial templates. Plain text and files only, no database: the posting engine, master data
(a product's template is checked when it is saved), imports, labels and the interfaces all
apply the same rules from here.

The serial policy, one for every door (command line, API, web, imports, GS1 scans, corrections):
- a serial is trimmed and normalised to NFC (so `é` typed as one character or as `e` + U+0301 is
  one serial), and compared in that form;
- characters that are not printable are refused, naming the character (`U+2066`): control
  characters (Cc), format characters (Cf: bidi controls, zero-width characters, soft hyphen),
  private-use (Co), unassigned (Cn) and surrogate (Cs) code points, line and paragraph
  separators (Zl, Zp), spaces other than the ASCII space (Zs), and the other default-ignorable
  characters (variation selectors, Hangul fillers, the combining grapheme joiner);
- a new serial of a product that does not allow Unicode serials (`Product.unicode_serials`,
  off by default) is printable ASCII, plus the characters its serial pattern names literally;
  even those are refused in fullwidth form (`ＬＫ-３`) or when they mix scripts in a way
  UTS #39 flags as confusable (a Cyrillic `а` among Latin letters), as found by
  `confusable_homoglyphs` (Unicode's confusables and script data);
- a serial that names an existing unit (to ship, return, move…) is judged by the first two rules
  only: a look-alike is simply not found.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from serialtrack.errors import InvalidInput, InvalidSerial, Problem, refuse

MAX_SERIAL_LENGTH = 128
CATEGORY_WORDS = {"Cc": "control character", "Cf": "format character",
                  "Co": "private-use character", "Cn": "unassigned code point",
                  "Cs": "surrogate", "Zl": "line separator", "Zp": "paragraph separator",
                  "Zs": "non-ASCII space"}
# Default-ignorable characters (invisible) whose category is printable: the combining grapheme
# joiner, Hangul fillers, Mongolian and other variation selectors.
_IGNORABLE = re.compile("[\u034f\u115f\u1160\u180b-\u180d\u180f\u3164\ufe00-\ufe0f"
                        "\uffa0\U000e0100-\U000e01ef]")
_RANGE = re.compile(r"^(?P<a>.*?)(?P<na>\d+)\.\.(?P<b>.*?)(?P<nb>\d+)$")
MAX_RANGE = 10_000_000


# Text no database can store: NUL (PostgreSQL text cannot hold it) and lone UTF-16 surrogates
# (from a JSON `\ud800` escape, or standing for an undecodable byte of a command-line argument
# or file read with `surrogateescape`), which cannot be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


# The codes of a serial's own text refused (not of a serial that clashes with others).
SERIAL_TEXT_CODES = {"invalid_serial", "control_character", "invalid_text"}


def shown(text: str) -> str:
    """`text` as it can be shown and sent back: each lone surrogate written as its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def text_problem(text: str, field: str, *, line: int | None = None, serial: bool = False,
                 from_bytes: bool = False) -> Problem | None:
    """What makes `text` unstorable, as a problem naming the field (and the serial, when the
    field holds one), or None. The check every door runs on every string it takes in (API
    bodies, web forms, imports, command-line arguments and serial files). `from_bytes`: the
    text was decoded with `surrogateescape`, so a surrogate U+DC80-U+DCFF is an invalid byte."""
    bad = _UNSTORABLE.search(text)
    if bad is None:
        return None
    char = bad.group()
    field = shown(field)  # a body's key may be the unstorable text itself
    what = f"serial {shown(text)!r}" if serial else f"{field} {shown(text)!r}"
    if line is not None:
        what = f"line {line}: {what}"
    if char == "\x00":
        return Problem("control_character", f"{what} contains a NUL character (U+0000)",
                       serial=shown(text) if serial else None, line=line, field=field)
    if from_bytes and 0xDC80 <= ord(char) <= 0xDCFF:
        why = f"contains the byte 0x{ord(char) - 0xDC00:02X}, which is not valid UTF-8"
    else:
        why = f"contains U+{ord(char):04X}, a lone surrogate that is not valid Unicode text"
    return Problem("invalid_text", f"{what} {why}", serial=shown(text) if serial else None,
                   line=line, field=field)


def describe(char: str, what: str | None = None) -> str:
    """`format character U+2066 (LEFT-TO-RIGHT ISOLATE)`: `what` it is (by default the words
    for its category when it is not printable), the code point and its name."""
    what = what or CATEGORY_WORDS.get(unicodedata.category(char), "")
    name = unicodedata.name(char, "")
    text = f"{what} U+{ord(char):04X}" if what else f"U+{ord(char):04X}"
    return f"{text} ({name})" if name else text


def _invisible(serial: str) -> str | None:
    """The first character of `serial` that cannot be seen or printed, or None."""
    if serial.isprintable():  # C: every character printable (no Cc, Cf, Cs, Co, Cn, Z* but " ")
        bad = _IGNORABLE.search(serial) if not serial.isascii() else None
        return bad.group() if bad else None
    return next(c for c in serial if not c.isprintable())


def _beyond_ascii(serial: str, product: Any) -> str | None:
    """Why a serial with characters beyond ASCII is refused for a product that does not allow
    Unicode serials, or None when its serial pattern names each of them and they neither come
    in fullwidth form nor mix scripts confusably."""
    for char in serial:
        if not char.isascii() and (unicodedata.east_asian_width(char) == "F"
                                   or unicodedata.decomposition(char).startswith("<wide>")):
            return f"contains {describe(char, 'fullwidth form')}"
    from confusable_homoglyphs import categories, confusables

    if confusables.is_dangerous(serial):
        scripts = Counter(categories.alias(c) for c in serial if c.isalpha())
        main = scripts.most_common(1)[0][0]
        found = confusables.is_confusable(serial, greedy=False, preferred_aliases=[main.lower()])
        char = found[0]["character"] if found else next(
            c for c in serial if c.isalpha() and categories.alias(c) != main)
        return (f"mixes scripts: {describe(char)} is {categories.alias(char).title()} among "
                f"{main.title()} characters, a look-alike of another serial")
    allowed = product.serial_pattern or ""
    for char in serial:
        if not char.isascii() and char not in allowed:
            return (f"contains {describe(char)}, not printable ASCII: {product.sku} takes "
                    "ASCII serials only (its setting unicode_serials is off)")
    return None


def serial_problem(raw: str, pattern: re.Pattern[str] | None = None, *, product: Any = None
                   ) -> tuple[str, Problem | None]:
    """Return the stored form of `raw` (trimmed and NFC-normalised, never re-cased) and what is
    wrong with it. `product`: the product a new serial is for, whose Unicode setting applies
    (None: the serial names an existing unit)."""
    serial = raw.strip()
    if not serial:
        return serial, Problem("invalid_serial", "empty serial", serial=shown(raw), field="serial")
    unstorable = text_problem(serial, "serial", serial=True)
    if unstorable:
        return shown(serial), unstorable
    ascii_only = serial.isascii()
    if not ascii_only:
        serial = unicodedata.normalize("NFC", serial)
    bad = _invisible(serial)
    if bad:
        what = None if not bad.isprintable() else "invisible character"
        return serial, Problem("invalid_serial", f"serial {serial!r} contains {describe(bad, what)}",
                               serial=serial, field="serial", extra={"character": f"U+{ord(bad):04X}"})
    if len(serial) > MAX_SERIAL_LENGTH:
        return serial, Problem(
            "invalid_serial",
            f"serial {serial[:20]!r}… is {len(serial)} characters; at most {MAX_SERIAL_LENGTH}",
            serial=serial,
            field="serial",
        )
    if not ascii_only and product is not None and not product.unicode_serials:
        why = _beyond_ascii(serial, product)
        if why:
            return serial, Problem("invalid_serial", f"serial {serial!r} {why}", serial=serial,
                                   field="serial")
    if pattern is not None and not pattern.fullmatch(serial):
        return serial, Problem(
            "invalid_serial",
            f"serial {serial!r} does not match the product's pattern {pattern.pattern}",
            serial=serial,
            field="serial",
        )
    return serial, None


def clean_serials(raw: Iterable[str], pattern: str = "", *, product: Any = None) -> list[str]:
    """Validate a document's serial list: every bad or repeated serial is named, none stored.
    `product`: the product new serials are for (see `serial_problem`)."""
    serials, problems, _count = check_serials(raw, pattern, product=product)
    if problems and {p.code for p in problems} <= SERIAL_TEXT_CODES:
        raise InvalidSerial(problems)
    refuse(problems)
    return serials


def check_serials(raw: Iterable[str], pattern: str = "", *, product: Any = None
                  ) -> tuple[list[str], list[Problem], int]:
    """The distinct valid serials of `raw` (as stored: NFC), the problems found, and how many
    were given. `product`: the product new serials are for (see `serial_problem`)."""
    compiled = re.compile(pattern) if pattern else None
    problems: list[Problem] = []
    seen: set[str] = set()
    reported: set[str] = set()
    out: list[str] = []
    count = 0
    for serial_raw in raw:
        count += 1
        serial, problem = serial_problem(serial_raw, compiled, product=product)
        if problem:
            problems.append(problem)
            continue
        if serial in seen:
            if serial not in reported:
                reported.add(serial)
                problems.append(
                    Problem("duplicate_serial", f"serial {serial!r} is listed twice in this document",
                            serial=serial, field="serial")
                )
            continue
        seen.add(serial)
        out.append(serial)
    return out, problems, count


def check_manufacturer_serials(raw: Iterable[str | None], *, product: Any = None
                               ) -> tuple[list[str | None], list[Problem]]:
    """Manufacturer serials, one per unit and in the units' order (None: that unit has none):
    the stored forms (trimmed), and every text that breaks the serial rules or is repeated.
    The product's serial pattern is for its own serials, not the maker's."""
    out: list[str | None] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    reported: set[str] = set()
    for text in raw:
        if text is None:
            out.append(None)
            continue
        serial, problem = serial_problem(text, product=product)
        out.append(serial)
        if problem:
            message = ("empty manufacturer serial" if not serial
                       else "manufacturer " + problem.message)
            problems.append(Problem(problem.code, message, serial=problem.serial,
                                    field="manufacturer_serial"))
        elif serial in seen:
            if serial not in reported:
                reported.add(serial)
                problems.append(Problem(
                    "duplicate_serial",
                    f"manufacturer serial {serial!r} is listed twice in this document",
                    serial=serial, field="manufacturer_serial"))
        else:
            seen.add(serial)
    return out, problems


def expand_range(token: str) -> list[str] | None:
    """`device-00121..device-00125` -> the five serials (same prefix, padding kept); None if
    `token` is not a range."""
    if ".." not in token:
        return None
    m = _RANGE.match(token.strip())
    if not m:
        raise InvalidSerial([Problem("invalid_range", f"{token!r} is not a range like A-001..A-010",
                                     serial=token, field="serials")])
    a, na, b, nb = m.group("a", "na", "b", "nb")
    if a != b:
        raise InvalidSerial([Problem("invalid_range",
                                     f"range {token!r}: both ends need the same prefix ({a!r} ≠ {b!r})",
                                     serial=token, field="serials")])
    start, end = int(na), int(nb)
    if end < start:
        raise InvalidSerial([Problem("invalid_range", f"range {token!r} runs backwards",
                                     serial=token, field="serials")])
    if end - start + 1 > MAX_RANGE:
        raise InvalidSerial([Problem("invalid_range", f"range {token!r} is over {MAX_RANGE:,} serials",
                                     serial=token, field="serials")])
    width = len(na) if na.startswith("0") or len(na) == len(nb) else 0
    return [f"{a}{n:0{width}d}" for n in range(start, end + 1)]


def expand_tokens(tokens: Iterable[str]) -> Iterator[str]:
    for token in tokens:
        expanded = expand_range(token)
        if expanded is None:
            yield token
        else:
            yield from expanded


def read_serials_file(path: Path, column: str | None = None) -> Iterator[str]:
    """Serials from a file: one per line, or the named column (default `serial`) of a CSV or
    XLSX file. Blank lines are skipped; a blank cell in the serial column is an error. A line
    that is not UTF-8 or holds a NUL is refused naming its line number: the file is read to its
    end to name every such line, and nothing after the first of them is yielded."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        yield from _xlsx_column(path, column or "serial")
        return
    problems: list[Problem] = []
    field = column or ("serial" if suffix == ".csv" else "serials-file")
    lines = (_csv_column(path, column or "serial") if suffix == ".csv" or column
             else _text_lines(path))
    for line, text in lines:
        problem = text_problem(text, field, line=line, serial=True, from_bytes=True)
        if problem:
            problems.append(problem)
        elif not problems:
            yield text
    if problems:
        raise InvalidSerial([Problem(p.code, f"{path.name} {p.message}", serial=p.serial,
                                     line=p.line, field=p.field) for p in problems])


def _text_lines(path: Path) -> Iterator[tuple[int, str]]:
    # undecodable bytes become U+DC80-U+DCFF (surrogateescape), each named by text_problem
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        for number, line in enumerate(fh, start=1):
            text = line.rstrip("\r\n")
            if text.strip():
                yield number, text


def _csv_column(path: Path, column: str) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None) or []
        index = _column_index(path, header, column)
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row[index] if index < len(row) else ""


def _xlsx_column(path: Path, column: str) -> Iterator[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = [str(c or "") for c in next(rows, ())]
        index = _column_index(path, header, column)
        for row in rows:
            if row and any(c not in (None, "") for c in row):
                value = row[index] if index < len(row) else None
                yield "" if value is None else str(value)
    finally:
        workbook.close()


def _column_index(path: Path, header: list[str], column: str) -> int:
    names = [h.strip().lower() for h in header]
    if column.lower() not in names:
        raise InvalidInput([Problem("invalid", f"{path.name}: no column {column!r} (columns: "
                                    f"{', '.join(header) or 'none'})", field="serials-file")])
    return names.index(column.lower())


# -- serial templates --------------------------------------------------------------------------
# A per-product template such as `LTP-{yyyy}-{seq:06}` for goods that arrive without a serial;
# the sequence behind {seq} is the posting engine's (serialtrack.posting.generated).

TEMPLATE_TOKENS = {"yyyy", "yy", "mm", "dd", "sku", "seq"}


def template_problem(template: str) -> Problem | None:
    """Tokens: {yyyy} {yy} {mm} {dd} {sku} and {seq} with an optional width, e.g. {seq:06}."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return Problem("invalid", f"serial template {template!r}: {exc}", field="serial_template")
    names = [name for _text, name, _spec, _conv in parts if name is not None]
    unknown = [n for n in names if n not in TEMPLATE_TOKENS]
    if unknown:
        return Problem("invalid", f"serial template {template!r}: unknown token {{{unknown[0]}}} "
                       f"(use {', '.join('{' + f + '}' for f in sorted(TEMPLATE_TOKENS))})",
                       field="serial_template")
    if "seq" not in names:
        return Problem("invalid", f"serial template {template!r} needs {{seq}} (e.g. {{seq:06}}) "
                       "so that no two serials are the same", field="serial_template")
    try:
        render(template, 1, dt.date(2026, 1, 1), "SKU")
    except (ValueError, TypeError) as exc:
        return Problem("invalid", f"serial template {template!r}: {exc}", field="serial_template")
    return None


def render(template: str, seq: int, day: dt.date, sku: str) -> str:
    return template.format(yyyy=f"{day.year:04d}", yy=f"{day.year % 100:02d}",
                           mm=f"{day.month:02d}", dd=f"{day.day:02d}", sku=sku, seq=seq)

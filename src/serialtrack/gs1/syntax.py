"""GS1 scans: what a barcode scanner sends for a GS1 DataMatrix, GS1-128, GS1 QR / DotCode / DataBar,
EAN/UPC or a GS1 Digital Link, turned into GTIN, serial, lot and expiry — or refused with the reason.

    >>> scan = parse_scan("]d2010950600013435217251200" "10LOT7\\x1d" "21SN-0042")
    >>> scan.gtin, scan.serial, scan.lot, scan.expiry
    ('09506000134352', 'SN-0042', 'LOT7', datetime.date(2025, 12, 31))

Accepted input (`parse_scan`):
- scanner data with an AIM symbology identifier: `]d2` GS1 DataMatrix, `]C1` GS1-128, `]Q3` GS1 QR,
  `]J1` GS1 DotCode, `]e0` GS1 DataBar / composite (element strings, GS = U+001D ends a variable-length
  field); `]E0` EAN-13/UPC, `]E4` EAN-8 (a GTIN, optionally `|]e0` and a composite); `]Q1`, `]d1`, `]J0`,
  `]C0`, `]A0` plain data (a Digital Link inside is read, anything else comes back as `plain_data`);
- an element string without symbology identifier (`0109506000134352` `21ABC`), with GS separators;
- the bracketed human-readable form `(01)09506000134352(21)ABC` (`\\(` is a literal bracket in a value);
- a GS1 Digital Link URI on any domain: `https://id.gs1.org/01/09506000134352/21/ABC?17=251231`.

`looks_like_gs1` decides whether a typed or scanned text must go through `parse_scan` at all. An
unbracketed element string with neither symbology identifier nor GS (`0109506000134352` `21ABC`) is
taken as a plain serial: it cannot be told apart from a serial such as `device-00121` or `A100`.

What biip does here, and what this module adds
----------------------------------------------
biip (https://github.com/jodal/biip) splits element strings: `GS1ElementString.extract` finds the AI
with its table of 541 AIs and takes the value (fixed length, or variable length up to a GS) by the AI's
pattern; a test keeps its table in step with the syntax dictionary (same AIs, same FNC1 flags). biip also
computes the GS1 mod-10 check digit. Its date checks are switched off: the dictionary's linters say
more precisely what is wrong.

Everything else is driven by the GS1 Barcode Syntax Dictionary (`data/gs1-syntax-dictionary.json`,
the dictionary's text verbatim) — the checks biip lacks:
- every value against its AI's components: lengths, character set (N digits, X = CSET 82, Y = CSET 39,
  Z = base64url) and linters: check digits (mod 10 and the alphanumeric pair), dates (YYMMDD; day 00 =
  last day of the month where the dictionary allows it), times, and more (`UNCHECKED_LINTERS` lists the
  few that need code lists we do not carry); empty values are refused;
- a variable-length element (no `*` flag: FNC1 required) must be followed by GS or the end of the data,
  else its value ran into the next element (the reference engine's "data too long");
- message rules: `req=` (e.g. (21) needs (01), (03) or (8006)), `ex=` (e.g. (01) excludes (02)), and an
  AI given twice must carry the same value;
- the bracketed form is read here: biip's reader drops empty values and removes spaces inside them;
- Digital Link URIs are read here, following the reference GS1 Barcode Syntax Engine: biip accepts a
  mixed-case scheme, a 13-digit GTIN, empty and unknown numeric query parameters, a key qualifier
  such as (10) in the query, rejects stems holding a path segment that looks like an AI, and does not
  look for a Digital Link behind `]Q1`/`]d1`; the dictionary's `dlpkey` says which qualifiers may
  follow which key, in what order, and `?` which AIs may be data attributes;
- `require`: the AIs a caller needs (say (21) when receiving serialized units). When one is missing
  from an element string but a variable-length value holds it — `10LOT21SN` read as lot `LOT21SN`
  because the GS after the lot is missing — the refusal says so. Without `require` such a scan is
  valid GS1 (a lot may well contain "21"), which is why the check is the caller's to ask for.

The reference engine's verdicts are the test suite's (tests/test_gs1.py runs its test vectors).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from biip import ParseConfig, ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_element_strings import GS1ElementString

__all__ = [
    "CHECKED_LINTERS",
    "GS",
    "UNCHECKED_LINTERS",
    "AiRule",
    "Component",
    "Gs1Error",
    "Gs1Scan",
    "check_digit",
    "digital_link",
    "element_string",
    "looks_like_gs1",
    "parse_scan",
    "parse_syntax_dictionary",
    "syntax_dictionary",
]

GS = "\x1d"
"""Group separator: what scanners send for FNC1 after a variable-length field."""

CANONICAL_DL_STEM = "https://id.gs1.org"

# Scanners end a read with Enter or Tab; a GS at either end is a superfluous separator and is kept.
_SCANNER_SUFFIXES = " \t\r\n"


# --- Errors and results -----------------------------------------------------------------------------


class Gs1Error(ValueError):
    """A scan that is not valid GS1. `ai` names the element at fault (None when no single one is)."""

    def __init__(self, reason: str, *, ai: str | None = None, value: str | None = None) -> None:
        self.ai = ai
        self.reason = reason
        self.value = value
        if ai is None:
            message = reason
        elif value:
            message = f"({ai}) {_show(value)}: {reason}"
        else:
            message = f"({ai}) {reason}"
        super().__init__(message)


@dataclass(frozen=True)
class Gs1Scan:
    """One scan. `elements` holds every AI in the order read; the named fields are the ones a unit
    label carries. A plain-data scan (a `]Q1` QR code with text, a `]C0` Code 128) has no elements and
    its text in `plain_data`; an EAN/UPC scan has its digits there and the GTIN-14 in (01)."""

    gtin: str | None
    serial: str | None
    lot: str | None
    expiry: dt.date | None
    elements: dict[str, str] = field(hash=False)
    symbology: str | None = None
    """The AIM symbology identifier the scanner sent, such as `]d2`, or None."""
    carrier: str | None = None
    """The barcode it names, as the GS1 reference engine does: DM, QR, GS1_128_CCA, EAN13 …"""
    plain_data: str | None = None

    @property
    def is_gs1(self) -> bool:
        return bool(self.elements)

    @classmethod
    def of(cls, elements: dict[str, str], *, symbology: str | None = None, carrier: str | None = None,
           plain_data: str | None = None) -> Gs1Scan:
        expiry = elements.get("17")
        return cls(gtin=elements.get("01"), serial=elements.get("21"), lot=elements.get("10"),
                   expiry=_date_from_yymmdd(expiry) if expiry else None, elements=elements,
                   symbology=symbology, carrier=carrier, plain_data=plain_data)


# --- The syntax dictionary ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """One part of an AI's value, e.g. `N13,csum` or the optional `[X..16]`."""

    charset: str  # N, X, Y or Z
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True)
class AiRule:
    """One AI as the syntax dictionary describes it."""

    ai: str
    title: str
    fnc1: bool
    """True for AIs without the `*` flag: a GS must follow unless the element is the last one."""
    dl_attribute: bool
    """`?` flag: may be a Digital Link data attribute (a query parameter)."""
    components: tuple[Component, ...]
    requires: tuple[tuple[tuple[str, ...], ...], ...]
    """One entry per `req=`: alternatives, each a group of AI patterns that must all be present."""
    excludes: tuple[str, ...]
    dl_qualifiers: tuple[tuple[str, ...], ...] | None
    """For a Digital Link primary key (`dlpkey`): the alternative qualifier sequences; else None."""

    @property
    def min_length(self) -> int:
        return sum(c.min_length for c in self.components if not c.optional)

    @property
    def max_length(self) -> int:
        return sum(c.max_length for c in self.components)

    def lengths(self) -> str:
        """The value lengths allowed, for messages: `14`, `1 to 20`, `6 or 12`."""
        spans: list[tuple[int, int]] = []
        low = high = 0
        for component in self.components:
            if component.optional:
                spans.append((low, high))
            low, high = low + component.min_length, high + component.max_length
        spans.append((low, high))
        merged = [spans[0]]
        for span in spans[1:]:
            if span[0] <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], span[1])
            else:
                merged.append(span)
        texts = [str(a) if a == b else f"{a} to {b}" for a, b in merged]
        return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + f" or {texts[-1]}"


_FLAGS = re.compile(r"[*?!\"$%&'()+,\-./:;<=>@\\^_`{|}~]+")
_COMPONENT = re.compile(r"(\[)?([NXYZ])(\d*)(?:\.\.(\d+))?(\])?((?:,\w+)*)")


def parse_syntax_dictionary(lines: Iterable[str]) -> dict[str, AiRule]:
    """Read the dictionary's text format (see its header): `AIs [Flags] Components [Attributes] # Title`."""
    rules: dict[str, AiRule] = {}
    for line in lines:
        body, _, title = line.partition("#")
        tokens = body.split()
        if not tokens:
            continue
        ais, tokens = _expand_ai_range(tokens[0]), tokens[1:]
        flags = tokens.pop(0) if tokens and _FLAGS.fullmatch(tokens[0]) else ""
        specs: list[str] = []
        while tokens and _COMPONENT.fullmatch(tokens[0]):
            specs.append(tokens.pop(0))
        requires, excludes, qualifiers = _attributes(tokens)
        components = tuple(_component(spec) for spec in specs)
        for ai in ais:
            rules[ai] = AiRule(ai=ai, title=title.strip(), fnc1="*" not in flags, dl_attribute="?" in flags,
                               components=components, requires=requires, excludes=excludes,
                               dl_qualifiers=qualifiers)
    return rules


def _expand_ai_range(token: str) -> list[str]:
    first, _, last = token.partition("-")
    if not last:
        return [first]
    return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]


def _component(spec: str) -> Component:
    match = _COMPONENT.fullmatch(spec)
    assert match is not None
    opening, charset, length, max_length, _closing, linters = match.groups()
    if max_length is None:
        low = high = int(length)
    else:
        low, high = int(length or 1), int(max_length)
    return Component(charset=charset, min_length=low, max_length=high, optional=bool(opening),
                     linters=tuple(name for name in linters.split(",") if name))


def _attributes(tokens: Sequence[str]) -> tuple[
    tuple[tuple[tuple[str, ...], ...], ...], tuple[str, ...], tuple[tuple[str, ...], ...] | None
]:
    requires: list[tuple[tuple[str, ...], ...]] = []
    excludes: list[str] = []
    qualifiers: tuple[tuple[str, ...], ...] | None = None
    for token in tokens:
        key, _, value = token.partition("=")
        if key == "req":
            requires.append(tuple(tuple(group.split("+")) for group in value.split(",")))
        elif key == "ex":
            excludes.extend(value.split(","))
        elif key == "dlpkey":
            qualifiers = tuple(tuple(alt.split(",")) if alt else () for alt in value.split("|"))
    return tuple(requires), tuple(excludes), qualifiers


@cache
def syntax_dictionary() -> Mapping[str, AiRule]:
    """The packaged GS1 Barcode Syntax Dictionary, AI -> rule."""
    text = resources.files("serialtrack.gs1").joinpath("data/gs1-syntax-dictionary.json").read_text("utf-8")
    return parse_syntax_dictionary(json.loads(text)["lines"])


def _rule(ai: str) -> AiRule:
    rule = syntax_dictionary().get(ai)
    if rule is None:
        raise Gs1Error("is not a GS1 Application Identifier", ai=ai)
    return rule


# --- Values: character sets, lengths, linters ----------------------------------------------------------

_DIGITS = "0123456789"
_CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_CSET39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CSET64 = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CHARSETS: dict[str, tuple[frozenset[str], str]] = {
    "N": (frozenset(_DIGITS), "a digit"),
    "X": (frozenset(_CSET82), "in GS1 character set 82"),
    "Y": (frozenset(_CSET39), "in GS1 character set 39"),
    "Z": (frozenset(_CSET64 + "="), "in the base64url character set"),
}


def _check_value(ai: str, value: str) -> None:
    """Raise Gs1Error unless `value` is a valid value of `ai` by its dictionary entry."""
    rule = _rule(ai)
    if not value:
        raise Gs1Error("has an empty value", ai=ai)
    wrong_length = Gs1Error(f"has {len(value)} characters, needs {rule.lengths()}", ai=ai, value=value)
    position = 0
    for component in rule.components:
        if position == len(value) and component.optional:
            break
        part = value[position:position + component.max_length]
        if len(part) < component.min_length:
            raise wrong_length
        problem = _part_problem(component, part)
        if problem:
            raise Gs1Error(problem, ai=ai, value=value)
        position += len(part)
    if position < len(value):
        raise wrong_length


def _part_problem(component: Component, part: str) -> str | None:
    allowed, description = _CHARSETS[component.charset]
    bad = next((char for char in part if char not in allowed), None)
    if bad is not None:
        return f"character {_show_char(bad)} is not {description}"
    if component.charset == "Z" and "=" in part.rstrip("="):
        return "'=' may only pad the end of a base64url value"
    for name in component.linters:
        linter = _LINTERS.get(name)
        problem = linter(part) if linter else None
        if problem:
            return problem
    return None


def _lint_csum(digits: str) -> str | None:
    expected = check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        return f"check digit {digits[-1]} is wrong, expected {expected}"
    return None


def _lint_csumalpha(value: str) -> str | None:
    """The check character pair of alphanumeric keys (GMN): primes weight the characters from the right."""
    if len(value) < 2 or len(value) - 2 > len(_PRIMES):
        return "is too short or too long for a check character pair"
    if any(char not in _CSET32 for char in value[-2:]):
        return "the last two characters must be check characters (GS1 character set 32)"
    weights = reversed(_PRIMES[:len(value) - 2])
    total = sum(_CSET82.index(char) * weight for char, weight in zip(value[:-2], weights, strict=True)) % 1021
    expected = _CSET32[total >> 5] + _CSET32[total & 31]
    if value[-2:] != expected:
        return f"check characters {value[-2:]} are wrong, expected {expected}"
    return None


_PRIMES = [n for n in range(2, 520) if all(n % d for d in range(2, int(n**0.5) + 1))][:97]


def _lint_gcppos1(value: str) -> str | None:
    if len(value) < 4 or not all(char in _DIGITS for char in value[:4]):
        return "must start with a GS1 Company Prefix (at least 4 digits)"
    return None


def _date_problem(value: str, *, day_zero: bool) -> str | None:
    """YYMMDD or YYYYMMDD; `day_zero`: DD = 00 stands for the last day of the month."""
    if len(value) not in (6, 8) or not all(char in _DIGITS for char in value):
        return "is not a date (YYMMDD)"
    year = int(value[:4]) if len(value) == 8 else _full_year(int(value[:2]))
    month, day = value[-4:-2], value[-2:]
    if not 1 <= int(month) <= 12:
        return f"month {month} is not a valid month"
    if day == "00" and day_zero:
        return None
    if not 1 <= int(day) <= calendar.monthrange(year, int(month))[1]:
        return f"day {day} is not a valid day of {year}-{month}"
    return None


def _full_year(yy: int, today: dt.date | None = None) -> int:
    """GS1 General Specifications 7.12: a two-digit year lies within 49 years back, 50 ahead."""
    century, current = divmod((today or dt.date.today()).year, 100)
    if yy - current >= 51:
        century -= 1
    elif yy - current <= -50:
        century += 1
    return century * 100 + yy


def _date_from_yymmdd(value: str) -> dt.date:
    year, month, day = _full_year(int(value[:2])), int(value[2:4]), int(value[4:6])
    return dt.date(year, month, day or calendar.monthrange(year, month)[1])


def _in_range(low: int, high: int, what: str) -> Callable[[str], str | None]:
    def lint(value: str) -> str | None:
        return None if value.isdigit() and low <= int(value) <= high else f"{value} is not a valid {what}"
    return lint


def _one_of(allowed: str, what: str) -> Callable[[str], str | None]:
    def lint(value: str) -> str | None:
        return None if value in allowed.split() else f"{value} is not a valid {what}"
    return lint


def _lint_pieceoftotal(value: str) -> str | None:
    half = len(value) // 2
    piece, total = value[:half], value[half:]
    if len(value) % 2 or not int(piece) or not int(total) or int(piece) > int(total):
        return f"piece {piece} of {total} is not a valid piece of a total"
    return None


def _lint_pcenc(value: str) -> str | None:
    if re.search(r"%(?![0-9A-Fa-f]{2})", value):
        return "has a '%' not followed by two hex digits"
    return None


_LINTERS: dict[str, Callable[[str], str | None]] = {
    "csum": _lint_csum,
    "csumalpha": _lint_csumalpha,
    "gcppos1": _lint_gcppos1,
    "gcppos2": lambda value: _lint_gcppos1(value[1:]),
    "yymmd0": lambda value: _date_problem(value, day_zero=True),
    "yymmdd": lambda value: _date_problem(value, day_zero=False),
    "yyyymmdd": lambda value: _date_problem(value, day_zero=False),
    "hh": _in_range(0, 23, "hour"),
    "mi": _in_range(0, 59, "minute"),
    "ss": _in_range(0, 59, "second"),
    "hhmi": lambda value: _in_range(0, 23, "hour")(value[:2]) or _in_range(0, 59, "minute")(value[2:]),
    "zero": _one_of("0", "digit here (must be 0)"),
    "nonzero": lambda value: f"{value} must not be zero" if not value.strip("0") else None,
    "yesno": _one_of("0 1", "yes/no flag (0 or 1)"),
    "hyphen": _one_of("-", "character here (must be '-')"),
    "winding": _one_of("0 1 9", "winding direction (0, 1 or 9)"),
    "iso5218": _one_of("0 1 2 9", "ISO/IEC 5218 sex code"),
    "nozeroprefix": lambda value: "must not start with 0" if value.startswith("0") else None,
    "hasnondigit": lambda value: "must contain a character that is not a digit" if value.isdigit() else None,
    "pieceoftotal": _lint_pieceoftotal,
    "pcenc": _lint_pcenc,
    "latitude": _in_range(0, 1_800_000_000, "latitude"),
    "longitude": _in_range(0, 3_600_000_000, "longitude"),
}

CHECKED_LINTERS = frozenset(_LINTERS)
UNCHECKED_LINTERS = frozenset({
    "iso3166", "iso3166999", "iso3166alpha2", "iso4217", "packagetype", "mediatype", "importeridx",
    "posinseqslash", "iban", "couponcode", "couponposoffer",
})
"""Dictionary linters not applied (they need ISO and GS1 code lists): those components are checked for
length and character set only."""


def check_digit(digits: str) -> int:
    """GS1 mod-10 check digit of `digits` (GTIN, SSCC, GLN … without their last digit)."""
    if not digits or not all(char in _DIGITS for char in digits):
        raise Gs1Error(f"a check digit needs digits, got {_show(digits)}")
    return gs1_standard_check_digit(digits)


# --- Message rules: req=, ex=, repeats, required by the caller ----------------------------------------


def _collect(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """AI -> value in message order; an AI may repeat only with the same value."""
    elements: dict[str, str] = {}
    for ai, value in pairs:
        if elements.setdefault(ai, value) != value:
            raise Gs1Error(f"appears twice with different values: {_show(elements[ai])} and {_show(value)}",
                           ai=ai)
    return elements


def _check_associations(elements: Mapping[str, str]) -> None:
    for ai in elements:
        others = [other for other in elements if other != ai]
        rule = _rule(ai)
        for pattern in rule.excludes:
            clash = next((other for other in others if _ai_matches(pattern, other)), None)
            if clash:
                raise Gs1Error(f"cannot be combined with ({clash})", ai=ai)
        for alternatives in rule.requires:
            if not any(all(any(_ai_matches(p, other) for other in others) for p in group)
                       for group in alternatives):
                raise Gs1Error(f"requires {_either(alternatives)}", ai=ai)


def _ai_matches(pattern: str, ai: str) -> bool:
    """Dictionary patterns: `01` is (01), `31nn` any (31xx), `394n` any (394x)."""
    if len(pattern) != len(ai):
        return False
    return all(p == c or (p == "n" and c in _DIGITS) for p, c in zip(pattern, ai, strict=True))


def _either(alternatives: Sequence[Sequence[str]]) -> str:
    names = ["+".join(f"({ai})" for ai in group) for group in alternatives]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" or {names[-1]}"


def _check_required(elements: Mapping[str, str], required: Collection[str],
                    pairs: Sequence[tuple[str, str]], *, from_element_string: bool) -> None:
    for ai in required:
        if ai in elements:
            continue
        hiding = _hidden_in(ai, pairs) if from_element_string else None
        if hiding:
            raise Gs1Error(f"is missing: {hiding}", ai=ai)
        raise Gs1Error("is missing from the scan", ai=ai)


def _hidden_in(ai: str, pairs: Sequence[tuple[str, str]]) -> str | None:
    """Describe a variable-length value that reads as `…` + `ai` + a valid value: a GS left out."""
    for other, value in pairs:
        if not _rule(other).fnc1:
            continue
        for start in range(1, len(value) - len(ai)):
            head, tail = value[:start], value[start + len(ai):]
            if value.startswith(ai, start) and _is_valid(other, head) and _is_valid(ai, tail):
                return (f"({other}) {_show(value)} reads as ({other}) {_show(head)} and ({ai}) {_show(tail)} "
                        f"run together — the GS separator after ({other}) seems to be missing")
    return None


def _is_valid(ai: str, value: str) -> bool:
    try:
        _check_value(ai, value)
    except Gs1Error:
        return False
    return True


# --- Reading the input forms ----------------------------------------------------------------------------

_BIIP_CONFIG = ParseConfig(gs1_element_strings_verify_date=False, separator_chars=(GS,))


def _split_element_string(data: str) -> list[tuple[str, str]]:
    """`0109506000134352` `10LOT` GS `21SN` -> pairs. biip finds each AI and takes its value."""
    pairs: list[tuple[str, str]] = []
    rest = data
    while rest:
        if rest.startswith(GS):  # separators are allowed between any two elements
            rest = rest[1:]
            continue
        ai, value = _extract_first(rest)
        rest = rest[len(ai) + len(value):]
        if rest and not rest.startswith(GS) and _rule(ai).fnc1:
            # biip stops a value at its first character outside the set: report that character
            _check_value(ai, (value + rest).split(GS, 1)[0][:_rule(ai).max_length])
            raise Gs1Error("is followed by more data without a GS separator: the value is too long, "
                           "or the separator is missing", ai=ai, value=value)
        pairs.append((ai, value))
    if not pairs:
        raise Gs1Error("the scan holds no GS1 element string")
    return pairs


def _extract_first(rest: str) -> tuple[str, str]:
    try:
        element = GS1ElementString.extract(rest, config=_BIIP_CONFIG)
    except (ParseError, ValueError) as exc:
        ai = next((ai for ai in syntax_dictionary() if rest.startswith(ai)), None)
        if ai is None:
            raise Gs1Error(f"no GS1 Application Identifier at {_show(rest)}") from exc
        _check_value(ai, rest[len(ai):].split(GS, 1)[0][:_rule(ai).max_length])
        raise Gs1Error(str(exc), ai=ai) from exc
    return element.ai.ai, element.value


_HRI_AI = re.compile(r"\(([0-9]{2,4})\)")


def _split_bracketed(text: str) -> list[tuple[str, str]]:
    """`(01)09506000134352(21)ABC` -> pairs; `\\(` stands for a bracket inside a value."""
    pairs: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _HRI_AI.match(text, position)
        if not match:
            raise Gs1Error(f"bracketed form: expected an AI such as (01) at {_show(text[position:])}")
        position = match.end()
        value: list[str] = []
        while position < len(text) and text[position] != "(":
            escaped = text.startswith("\\(", position)
            value.append("(" if escaped else text[position])
            position += 2 if escaped else 1
        pairs.append((match.group(1), "".join(value)))
    return pairs


# Digital Link URIs, as the reference engine reads them (gs1-syntax-engine src/c-lib/dl.c).
_URI_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%")
_BAD_DOMAIN_CHARACTERS = frozenset("_~?#@!$&'()*+,;=%")
_DL_SCHEMES = ("https://", "HTTPS://", "http://", "HTTP://")


def _split_digital_link(uri: str) -> list[tuple[str, str]]:
    bad = next((char for char in uri if char not in _URI_CHARACTERS), None)
    if bad is not None:
        raise Gs1Error(f"Digital Link: character {_show_char(bad)} is not allowed in a URI")
    scheme = next((s for s in _DL_SCHEMES if uri.startswith(s)), None)
    if scheme is None:
        raise Gs1Error("Digital Link: the scheme must be http:// or https://, in lower or upper case")
    domain, slash, path = uri[len(scheme):].partition("/")
    if not domain or not slash:
        raise Gs1Error("Digital Link: a domain name and a path are needed")
    if any(char in _BAD_DOMAIN_CHARACTERS for char in domain):
        raise Gs1Error(f"Digital Link: the domain name {_show(domain)} has a character not allowed there")
    path, _, query = path.partition("#")[0].partition("?")
    segments = path.split("/")
    path_pairs = _path_pairs(segments[_primary_key_index(segments):])
    _check_qualifier_path([ai for ai, _ in path_pairs])
    query_pairs = _query_pairs(query)
    _check_query_attributes([ai for ai, _ in path_pairs], [ai for ai, _ in query_pairs])
    return path_pairs + query_pairs


def _primary_key_index(segments: Sequence[str]) -> int:
    """Walk /AI/value pairs back from the end to the rightmost primary key; the rest is the stem."""
    for index in range(len(segments) - 2, -1, -2):
        rule = syntax_dictionary().get(segments[index])
        if rule is None:
            break
        if rule.dl_qualifiers is not None:
            return index
    raise Gs1Error("Digital Link: no GS1 primary key such as /01/ or /00/ in the path")


def _path_pairs(segments: Sequence[str]) -> list[tuple[str, str]]:
    pairs = []
    for ai, raw in zip(segments[::2], segments[1::2], strict=True):
        if not raw:
            raise Gs1Error("Digital Link: empty value in the path", ai=ai)
        pairs.append((ai, _unescape(raw, ai, query=False)))
    return pairs


def _qualifier_path_is_valid(path_ais: Sequence[str]) -> bool:
    qualifiers = _rule(path_ais[0]).dl_qualifiers or ()
    return any(_in_order(path_ais[1:], alternative) for alternative in qualifiers)


def _in_order(chosen: Sequence[str], sequence: Sequence[str]) -> bool:
    remaining = iter(sequence)
    return all(ai in remaining for ai in chosen)


def _check_qualifier_path(path_ais: Sequence[str]) -> None:
    if not _qualifier_path_is_valid(path_ais):
        allowed = " or ".join("/".join(alt) for alt in _rule(path_ais[0]).dl_qualifiers or () if alt)
        raise Gs1Error(f"Digital Link: {'/'.join(path_ais[1:])} cannot qualify ({path_ais[0]}) in the path"
                       + (f"; its qualifiers, in this order, are {allowed}" if allowed else ""))


def _query_pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for parameter in query.split("&"):
        key, equals, raw = parameter.partition("=")
        if not equals or not _is_digits(key):
            continue  # parameters that are not AIs are ignored
        if key not in syntax_dictionary():
            raise Gs1Error(f"Digital Link: query parameter {key} is not a GS1 Application Identifier")
        if not raw:
            raise Gs1Error("Digital Link: empty value in the query", ai=key)
        pairs.append((key, _unescape(raw, key, query=True)))
    return pairs


def _check_query_attributes(path_ais: Sequence[str], query_ais: Sequence[str]) -> None:
    seen = list(path_ais)
    for ai in query_ais:
        if ai in seen:
            raise Gs1Error("Digital Link: given more than once", ai=ai)
        seen.append(ai)
        if not _rule(ai).dl_attribute:
            raise Gs1Error("Digital Link: not allowed as a data attribute (query parameter)", ai=ai)
        for index in range(1, len(path_ais) + 1):
            if _qualifier_path_is_valid([*path_ais[:index], ai, *path_ais[index:]]):
                raise Gs1Error(f"Digital Link: qualifies ({path_ais[0]}), so it belongs in the path, "
                               "not in the query", ai=ai)


def _unescape(raw: str, ai: str, *, query: bool) -> str:
    """Percent-decoding as the reference engine does it; `+` is a space in the query only."""
    out = bytearray()
    index = 0
    while index < len(raw):
        chunk = raw[index:index + 3]
        if re.fullmatch(r"%[0-9A-Fa-f]{2}", chunk):
            out.append(int(chunk[1:], 16))
            index += 3
            continue
        out.extend(b" " if query and raw[index] == "+" else raw[index].encode("ascii"))
        index += 1
    if 0 in out:
        raise Gs1Error("Digital Link: the value decodes to a NUL character", ai=ai)
    return out.decode("latin-1")


# --- Symbology identifiers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Carrier:
    name: str
    data: str  # "gs1": element string; "plain": text (or a Digital Link); "ean13"/"ean8": GTIN digits


_CARRIERS: dict[str, _Carrier] = {
    "d2": _Carrier("DM", "gs1"), "Q3": _Carrier("QR", "gs1"), "J1": _Carrier("DotCode", "gs1"),
    "C1": _Carrier("GS1_128_CCA", "gs1"), "e0": _Carrier("DataBarExpanded", "gs1"),
    "E0": _Carrier("EAN13", "ean13"), "E4": _Carrier("EAN8", "ean8"),
    "d1": _Carrier("DM", "plain"), "Q1": _Carrier("QR", "plain"), "J0": _Carrier("DotCode", "plain"),
    # Not GS1, but how plain serial labels arrive from a scanner that sends symbology identifiers:
    "C0": _Carrier("Code128", "plain"), "A0": _Carrier("Code39", "plain"),
}


def _parse_symbology(text: str, required: Collection[str], associations: bool) -> Gs1Scan:
    symbology, data = text[:3], text[3:]
    carrier = _CARRIERS.get(symbology[1:]) if len(symbology) == 3 else None
    if carrier is None:
        raise Gs1Error(f"unsupported symbology identifier {_show(symbology)}")
    known = {"symbology": symbology, "carrier": carrier.name}
    if carrier.data == "gs1":
        if not data:
            raise Gs1Error(f"no data after the symbology identifier {symbology}")
        return _scan(_split_element_string(data), required, associations, element_string=True, **known)
    if carrier.data in ("ean13", "ean8"):
        primary, composite = _split_ean(data, 13 if carrier.data == "ean13" else 8)
        pairs = [("01", primary.zfill(14)), *(_split_element_string(composite) if composite else [])]
        return _scan(pairs, required, associations, element_string=True, plain_data=primary, **known)
    if data.startswith(_DL_SCHEMES):
        return _scan(_split_digital_link(data), required, associations, plain_data=data, **known)
    return Gs1Scan.of({}, plain_data=data, **known)


def _split_ean(data: str, length: int) -> tuple[str, str]:
    """EAN-13/UPC or EAN-8 digits, optionally `|]e0` and the element string of a composite."""
    primary, rest = data[:length], data[length:]
    if len(primary) < length or not _is_digits(primary):
        raise Gs1Error(f"an EAN/UPC scan needs {length} digits, got {_show(primary)}")
    if rest and not rest.startswith("|]e0"):
        raise Gs1Error(f"an EAN/UPC scan has {length} digits, more followed: {_show(rest)}")
    expected = check_digit(primary[:-1])
    if int(primary[-1]) != expected:
        raise Gs1Error(f"EAN/UPC {primary}: check digit {primary[-1]} is wrong, expected {expected}")
    return primary, rest[4:]


# --- Public entry points --------------------------------------------------------------------------------


def parse_scan(text: str, *, require: Collection[str] = (), check_associations: bool = True) -> Gs1Scan:
    """Read a scan (see the module docstring for the forms) or raise Gs1Error naming what is wrong.

    `require`: AIs the caller needs, e.g. `("21",)` when receiving serialized units; applies to GS1
    data only (a plain-data scan comes back as it is). `check_associations=False` skips the
    dictionary's req=/ex= rules: the reference engine's syntax-only verdict, for tests.
    """
    text = text.strip(_SCANNER_SUFFIXES)
    if not text:
        raise Gs1Error("the scan is empty")
    if text.startswith("]"):
        return _parse_symbology(text, require, check_associations)
    if text.startswith("("):
        return _scan(_split_bracketed(text), require, check_associations)
    if re.match(r"https?://", text, re.IGNORECASE):
        return _scan(_split_digital_link(text), require, check_associations)
    return _scan(_split_element_string(text), require, check_associations, element_string=True)


def _scan(pairs: Sequence[tuple[str, str]], required: Collection[str], associations: bool, *,
          element_string: bool = False, **details: str | None) -> Gs1Scan:
    for ai, value in pairs:
        _check_value(ai, value)
    elements = _collect(pairs)
    if associations:
        _check_associations(elements)
    _check_required(elements, required, pairs, from_element_string=element_string)
    return Gs1Scan.of(elements, **details)


_DL_PATH_01 = re.compile(r"https?://[^/?#]+/(?:[^?#]*/)?01/", re.IGNORECASE)


def looks_like_gs1(text: str) -> bool:
    """Must this input be read as GS1 rather than taken as a plain serial? True when it starts with a
    symbology identifier `]`, holds a GS, starts with a bracketed AI `(01)…`, or is an http(s) URL with
    a `/01/` path segment. Unbracketed element strings without either are plain serials."""
    text = text.strip(_SCANNER_SUFFIXES)
    return (text.startswith("]") or GS in text or re.match(r"\([0-9]+\)", text) is not None
            or _DL_PATH_01.match(text) is not None)


def element_string(elements: Mapping[str, str]) -> str:
    """The element string for `elements` (no symbology identifier): GS only after a variable-length
    element that another follows. Prefix `]d2` for what a DataMatrix scanner sends."""
    parts: list[str] = []
    previous: str | None = None
    for ai, value in elements.items():
        _check_value(ai, value)
        if previous is not None and _rule(previous).fnc1:
            parts.append(GS)
        parts.append(ai + value)
        previous = ai
    return "".join(parts)


def digital_link(elements: Mapping[str, str], stem: str | None = None) -> str:
    """The GS1 Digital Link URI for `elements`, as the reference engine writes it: the first primary
    key, its qualifiers in dictionary order in the path, the other AIs as query parameters (fixed-length
    ones first). `stem` defaults to https://id.gs1.org."""
    for ai, value in elements.items():
        _check_value(ai, value)
    key = next((ai for ai in elements if _rule(ai).dl_qualifiers is not None), None)
    if key is None:
        raise Gs1Error("a Digital Link needs a primary key such as (01) or (00)")
    alternatives = _rule(key).dl_qualifiers or ((),)
    best = max(alternatives, key=lambda alternative: sum(ai in elements for ai in alternative))
    path = [key, *(ai for ai in best if ai in elements)]
    attributes = sorted((ai for ai in elements if ai not in path), key=lambda ai: _rule(ai).fnc1)
    for ai in attributes:
        if not _rule(ai).dl_attribute:
            raise Gs1Error(f"cannot be a Digital Link data attribute next to {'/'.join(path)}", ai=ai)
    uri = (stem or CANONICAL_DL_STEM).removesuffix("/")
    uri += "".join(f"/{ai}/{_escape(elements[ai], query=False)}" for ai in path)
    if attributes:
        uri += "?" + "&".join(f"{ai}={_escape(elements[ai], query=True)}" for ai in attributes)
    return uri


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _escape(value: str, *, query: bool) -> str:
    return "".join(char if char in _UNRESERVED else "+" if query and char == " " else f"%{ord(char):02X}"
                   for char in value)


# --- Small helpers ------------------------------------------------------------------------------------


def _is_digits(text: str) -> bool:
    return bool(text) and all(char in _DIGITS for char in text)


def _show_char(char: str) -> str:
    return repr(char) if char.isprintable() and char != " " else f"U+{ord(char):04X}"


def _show(text: str, limit: int = 40) -> str:
    """Text for a message: control characters as U+XXXX, long text cut."""
    shown = "".join(char if char.isprintable() else f"<U+{ord(char):04X}>" for char in text[:limit])
    return shown + ("…" if len(text) > limit else "")

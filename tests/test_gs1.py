"""GS1 scans (`serialtrack.gs1`): the curated acceptance vectors, the GS1 reference engine's own unit-test
vectors, properties checked with hypothesis, and the messages people see. No database needed.

The vector files are copies of the shared standards folder in tests/data/gs1 (so a clean clone runs
them); their tests are skipped, with the path in the reason, if a file is absent."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from serialtrack.gs1 import (
    CHECKED_LINTERS,
    GS,
    UNCHECKED_LINTERS,
    Gs1Error,
    Gs1Scan,
    check_digit,
    digital_link,
    element_string,
    looks_like_gs1,
    parse_scan,
    parse_syntax_dictionary,
    syntax_dictionary,
)

STANDARDS = Path(__file__).resolve().parent / "data" / "gs1"  # copies of shared/standards/gs1
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def _load(name: str) -> Any:
    path = STANDARDS / name
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def _missing(name: str, arguments: int = 1) -> Any:
    return pytest.param(*[None] * arguments, id="missing", marks=pytest.mark.skip(
        reason=f"{STANDARDS / name} not found (copy it from shared/standards/gs1)"))


def _caret_to_gs(caret: str) -> str:
    """The vectors write FNC1 as '^', a leading one marking GS1 data; scanners send GS for the others."""
    return caret[1:].replace("^", GS)


def _elements_of(caret: str) -> dict[str, str]:
    return parse_scan(_caret_to_gs(caret), check_associations=False).elements


# --- The curated acceptance vectors (94 cases) ----------------------------------------------------------


def _acceptance_cases() -> list[Any]:
    data = _load("gs1-acceptance-vectors.json")
    if data is None:
        return [_missing("gs1-acceptance-vectors.json")]
    return [pytest.param(case, id=case["id"]) for case in data["cases"]]


def _acceptance_input(case: dict[str, Any]) -> str:
    return _caret_to_gs(case["input"]) if case["input_notation"] == "caret_fnc1" else case["input"]


def _associations_apply(case: dict[str, Any]) -> bool:
    """Scopes 'AI association rules NOT applied' and biip's parsing cases are syntax-level verdicts."""
    return "NOT applied" not in case["scope"] and case["category"] != "element_string_parse"


@pytest.mark.parametrize("case", _acceptance_cases())
def test_acceptance_vector(case: dict[str, Any]) -> None:
    if case["category"] == "check_digit":
        assert check_digit(case["input"]) == case["expected"]["check_digit"]
    elif case["category"] == "element_string_to_digital_link":
        _check_generated_link(case["valid"], case["stem"], case["input"], (case["expected"] or {}).get("uri"))
    elif case["valid"]:
        scan = parse_scan(_acceptance_input(case), check_associations=_associations_apply(case))
        _check_expected(scan, case["expected"])
    else:
        with pytest.raises(Gs1Error):
            parse_scan(_acceptance_input(case), check_associations=_associations_apply(case))


def _check_expected(scan: Gs1Scan, expected: dict[str, Any]) -> None:
    if "elements" in expected:
        assert list(scan.elements.items()) == [tuple(pair) for pair in expected["elements"]]
    if "element_string_gs" in expected:
        assert element_string(scan.elements) == expected["element_string_gs"].rstrip(GS)
    if "carrier" in expected:
        assert scan.carrier == expected["carrier"]
    if "plain_data" in expected:
        assert scan.plain_data == expected["plain_data"]
    if "digital_link_ais" in expected:
        ais = expected["digital_link_ais"]
        assert list(scan.elements.items()) == ([tuple(pair) for pair in ais["elements"]] if ais else [])
    if scan.carrier in ("EAN13", "EAN8"):  # ours on top of the vector: an EAN/UPC symbol is a GTIN
        assert scan.gtin == scan.plain_data.zfill(14)  # type: ignore[union-attr]
    _check_named_fields(scan)


def _check_named_fields(scan: Gs1Scan) -> None:
    assert (scan.gtin, scan.serial, scan.lot) == tuple(scan.elements.get(ai) for ai in ("01", "21", "10"))
    assert (scan.expiry is None) == ("17" not in scan.elements)


def _check_generated_link(valid: bool, stem: str | None, hri: str, uri: str | None) -> None:
    if valid:
        assert digital_link(parse_scan(hri).elements, stem) == uri
    else:
        with pytest.raises(Gs1Error):
            digital_link(parse_scan(hri).elements, stem)


def test_the_acceptance_vectors_are_those_described() -> None:
    data = _load("gs1-acceptance-vectors.json")
    if data is None:
        pytest.skip(f"{STANDARDS} not found")
    cases = data["cases"]
    assert (len(cases), sum(case["valid"] for case in cases)) == (94, 51)
    assert sum(bool(case.get("known_deviations")) for case in cases) == 17


# --- The reference engine's own test vectors (428 calls) -------------------------------------------------

_GENERATED_IN_C = {"buf", "inbuf", "expbuf"}


def _extended_cases() -> list[Any]:
    data = _load("gs1-syntax-engine-extended-vectors.json")
    if data is None:
        return [_missing("gs1-syntax-engine-extended-vectors.json", arguments=2)]
    params = []
    for group, vectors in data["vectors"].items():
        for vector in vectors:
            reason = _why_skipped(group, vector)
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            params.append(pytest.param(group, vector, id=f"{group}-{vector['line']}", marks=marks))
    return params


def _why_skipped(group: str, vector: dict[str, Any]) -> str | None:
    args, flags = vector["args"], vector["flags"]
    if _GENERATED_IN_C & set(args):
        return "input built by C code at run time; the vector file does not hold it"
    if group == "validateAIs":
        unknown = [ai for ai in re.findall(r"\((\d+)\)", args[2]) if ai not in syntax_dictionary()]
        if unknown:
            return f"uses ({unknown[0]}), not in the syntax dictionary: parse_scan refuses unknown AIs"
        if args[1] == "validateDigSigRequiresSerialisedKey" and args[0] == "false":
            return "(8030) needing a serialised key is engine code, not a syntax dictionary rule"
        return None
    if flags:
        return f"needs reference engine option(s) {', '.join(flags)}; parse_scan has the defaults only"
    if group == "processAIdata" and not args[1].startswith("^"):
        return "tests the engine's '^' FNC1-in-first marker; a scanner conveys it by the symbology identifier"
    if group == "generateScanData" and args[2] == "NULL":
        return "the engine refuses to generate this scan; parse_scan only reads scans"
    if group == "generateScanData" and "Check digit computed" in vector["note"]:
        return "data given without its check digit (engine option addCheckDigit); nothing to read back"
    return None


def _run_parse_ai_data(ok: str, hri: str, expected: str) -> None:
    if ok == "true":
        scan = parse_scan(hri, check_associations=False)
        assert element_string(scan.elements) == _caret_to_gs(expected)
    else:
        with pytest.raises(Gs1Error):
            parse_scan(hri, check_associations=False)


def _run_process_ai_data(ok: str, caret: str) -> None:
    if ok == "true":
        scan = parse_scan(_caret_to_gs(caret), check_associations=False)
        again = parse_scan(element_string(scan.elements), check_associations=False)
        assert again.elements == scan.elements
    else:
        with pytest.raises(Gs1Error):
            parse_scan(_caret_to_gs(caret), check_associations=False)


def _run_validate_ais(ok: str, _rule: str, hri: str) -> None:
    if ok == "true":
        parse_scan(hri)
    else:
        with pytest.raises(Gs1Error):
            parse_scan(hri)


def _run_parse_dl_uri(ok: str, uri: str, expected: str) -> None:
    if ok == "true":
        assert element_string(parse_scan(uri).elements) == _caret_to_gs(expected)
    else:
        with pytest.raises(Gs1Error):
            parse_scan(uri)


def _run_generate_dl_uri(ok: str, stem: str, hri: str, uri: str) -> None:
    _check_generated_link(ok == "true", None if stem == "NULL" else stem, hri, uri)


def _engine_plain_data(data: str) -> str:
    """The engine escapes plain data that starts with '^' (after any backslashes) with one more '\\'."""
    return data[1:] if re.match(r"\\+\^", data) else data


def _run_process_scan_data(ok: str, scan_data: str, carrier: str, data: str) -> None:
    if ok != "true":
        with pytest.raises(Gs1Error):
            parse_scan(scan_data)
        return
    scan = parse_scan(scan_data)
    assert scan.carrier == carrier
    primary, _, composite = data.partition("|")
    if primary.startswith("^"):
        assert element_string(scan.elements) == _caret_to_gs(primary)
    elif carrier in ("EAN13", "EAN8"):
        assert (scan.plain_data, scan.gtin) == (primary, primary.zfill(14))
        rest = {ai: value for ai, value in scan.elements.items() if ai != "01"}
        assert rest == (_elements_of(composite) if composite else {})
    else:
        assert scan.plain_data == _engine_plain_data(data)
        assert scan.is_gs1 == data.startswith(("https://", "HTTPS://", "http://", "HTTP://"))


def _run_generate_scan_data(carrier: str, data: str, scan_data: str) -> None:
    """Read back what the engine generates: the scan must carry the data it was generated from."""
    scan = parse_scan(scan_data, check_associations=False)
    expected: dict[str, str] = {}
    for part in data.split("|"):
        if part.startswith("^"):
            expected |= _elements_of(part)
        elif carrier in ("QR", "DM", "DotCode"):
            assert scan.plain_data == _engine_plain_data(data)
            return
        else:
            expected["01"] = part.zfill(14)
    assert scan.elements == expected


_RUNNERS: dict[str, Callable[..., None]] = {
    "parseAIdata": _run_parse_ai_data,
    "processAIdata": _run_process_ai_data,
    "validateAIs": _run_validate_ais,
    "parseDLuri": _run_parse_dl_uri,
    "testGenerateDLuri": _run_generate_dl_uri,
    "processScanData": _run_process_scan_data,
    "generateScanData": _run_generate_scan_data,
}


@pytest.mark.parametrize(("group", "vector"), _extended_cases())
def test_reference_engine_vector(group: str, vector: dict[str, Any]) -> None:
    _RUNNERS[group](*vector["args"])


# --- Properties ------------------------------------------------------------------------------------------

TODAY = dt.date.today()
gtins = st.text(alphabet="0123456789", min_size=13, max_size=13).map(lambda b: f"{b}{check_digit(b)}")
values = st.text(alphabet=CSET82, min_size=1, max_size=20)


@st.composite
def expiries(draw: st.DrawFn) -> tuple[str, dt.date]:
    """YYMMDD within 40 years of today (so the century is certain); sometimes day 00 = month's end."""
    day = draw(st.dates(min_value=TODAY.replace(year=TODAY.year - 40, day=1),
                        max_value=TODAY.replace(year=TODAY.year + 40, day=1)))
    if draw(st.booleans()):
        last = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return day.strftime("%y%m00"), last
    return day.strftime("%y%m%d"), day


@st.composite
def unit_labels(draw: st.DrawFn) -> dict[str, Any]:
    return {"gtin": draw(gtins), "serial": draw(values), "lot": draw(st.none() | values),
            "expiry": draw(st.none() | expiries())}


def _label_pairs(label: dict[str, Any], serial_ai: str = "21") -> list[tuple[str, str]]:
    pairs = [("01", label["gtin"]), (serial_ai, label["serial"])]
    if label["lot"] is not None:
        pairs.append(("10", label["lot"]))
    if label["expiry"] is not None:
        pairs.append(("17", label["expiry"][0]))
    return pairs


def bracketed(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"({ai})" + value.replace("(", "\\(") for ai, value in pairs)


def datamatrix(pairs: list[tuple[str, str]]) -> str:
    """What a scanner sends for a GS1 DataMatrix: GS after each variable-length element but the last."""
    variable = {"10", "21"}
    return "]d2" + "".join(ai + value + (GS if ai in variable and index < len(pairs) - 1 else "")
                           for index, (ai, value) in enumerate(pairs))


def web_link(pairs: list[tuple[str, str]], stem: str = "https://id.gs1.org") -> str:
    found = dict(pairs)
    path = "".join(f"/{ai}/{quote(found[ai], safe='')}" for ai in ("01", "10", "21") if ai in found)
    query = "&".join(f"{ai}={quote(value, safe='')}" for ai, value in pairs if ai not in ("01", "10", "21"))
    return stem + path + (f"?{query}" if query else "")


FORMS: dict[str, Callable[[list[tuple[str, str]]], str]] = {
    "bracketed": bracketed, "datamatrix": datamatrix, "digital_link": web_link,
}
stems = st.sampled_from(["https://id.gs1.org", "https://example.com/some/stem", "HTTP://SCAN.EXAMPLE.ORG"])


@given(label=unit_labels(), order=st.randoms(use_true_random=False), stem=stems)
def test_a_valid_label_reads_back_in_every_form(label: dict[str, Any], order: Any, stem: str) -> None:
    pairs = _label_pairs(label)
    order.shuffle(pairs)
    for form, text in {"bracketed": bracketed(pairs), "datamatrix": datamatrix(pairs),
                       "digital_link": web_link(pairs, stem)}.items():
        scan = parse_scan(text)
        read = (scan.gtin, scan.serial, scan.lot, scan.expiry)
        expected = (label["gtin"], label["serial"], label["lot"], label["expiry"] and label["expiry"][1])
        assert read == expected, form
        assert parse_scan(digital_link(scan.elements)).elements.items() == scan.elements.items()
        assert parse_scan("]d2" + element_string(scan.elements)).elements == scan.elements


texts = st.one_of(
    st.text(),
    st.lists(st.sampled_from([
        "]d2", "]Q1", "]E0", "]C1", "]", "(01)", "(21)", "(10)", "(17)", "(", ")", "\\(", GS, "^", "01", "10",
        "17", "21", "8003", "http://", "https://a/", "HtTp://a", "/01/", "/10/", "/", "?", "&", "=", "%",
        "%00", "%2F", "+", "#", "09506000134352", "251231", "251300", "A", "é", "\x00", "\n", " ", "|]e0",
    ]) | st.text(max_size=4), max_size=14).map("".join),
)


@settings(max_examples=500)
@given(text=texts)
def test_any_text_is_read_or_refused_with_gs1_error(text: str) -> None:
    looks_like_gs1(text)
    for kwargs in ({}, {"require": ("21", "10")}, {"check_associations": False}):
        try:
            scan = parse_scan(text, **kwargs)
        except Gs1Error as exc:
            assert str(exc)
        else:
            _check_named_fields(scan)


bad_characters = st.characters(codec="utf-8", exclude_characters=CSET82 + GS + "\\")


@given(label=unit_labels(), head=values, bad=bad_characters, tail=values, form=st.sampled_from(list(FORMS)))
def test_a_serial_outside_its_character_set_is_never_accepted(
    label: dict[str, Any], head: str, bad: str, tail: str, form: str
) -> None:
    text = FORMS[form](_label_pairs({**label, "serial": head + bad + tail}))
    with pytest.raises(Gs1Error):
        parse_scan(text)


@given(label=unit_labels(), form=st.sampled_from(list(FORMS)))
def test_a_serial_without_its_gtin_is_never_accepted(label: dict[str, Any], form: str) -> None:
    pairs = [pair for pair in _label_pairs(label) if pair[0] != "01"]
    with pytest.raises(Gs1Error):
        parse_scan(FORMS[form](pairs))


@given(label=unit_labels(), wrong=st.integers(1, 9), form=st.sampled_from(list(FORMS)))
def test_a_gtin_with_a_wrong_check_digit_is_never_accepted(
    label: dict[str, Any], wrong: int, form: str
) -> None:
    gtin = label["gtin"][:13] + str((int(label["gtin"][13]) + wrong) % 10)
    with pytest.raises(Gs1Error):
        parse_scan(FORMS[form](_label_pairs({**label, "gtin": gtin})))


@given(gtin=gtins, lot=values, serial=values)
def test_a_serial_run_into_the_lot_is_refused_when_the_serial_is_required(
    gtin: str, lot: str, serial: str
) -> None:
    merged = f"]d201{gtin}10{lot}21{serial}"  # the GS after the lot is missing
    if len(lot) + 2 + len(serial) > 20:
        with pytest.raises(Gs1Error, match=r"^\(10\) .*GS separator"):
            parse_scan(merged)
    else:
        assert parse_scan(merged).lot == f"{lot}21{serial}"  # valid GS1: a lot may contain "21"
        with pytest.raises(Gs1Error, match=r"^\(21\) is missing: .*GS separator"):
            parse_scan(merged, require=("21",))


# --- What people see: messages and the forms scanners send ------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("(01)09506000134352(17)251340", "(17) 251340: month 13 is not a valid month"),
    ("(01)09506000134352(17)250230", "(17) 250230: day 30 is not a valid day of 2025-02"),
    ("(21)ABC", "(21) requires (01), (03) or (8006)"),
    ("(01)09506000134353(21)A", "(01) 09506000134353: check digit 3 is wrong, expected 2"),
    ("(01)09506000134352(10)(21)A", "(10) has an empty value"),
    ("(01)09506000134352(21)AB CD", "(21) AB CD: character U+0020 is not in GS1 character set 82"),
    ("(01)0950600013435(21)A", "(01) 0950600013435: has 13 characters, needs 14"),
    ("(01)09506000134352(10)ABCDEFGHIJKLMNOPQRSTU",
     "(10) ABCDEFGHIJKLMNOPQRSTU: has 21 characters, needs 1 to 20"),
    ("(01)09506000134352(7007)2112252", "(7007) 2112252: has 7 characters, needs 6 or 12"),
    ("(01)09506000134352(02)09506000134352", "(02) cannot be combined with (01)"),
    ("(01)09506000134352(21)A(21)B", "(21) appears twice with different values: A and B"),
    ("(89)ABC", "(89) is not a GS1 Application Identifier"),
    ("]d20109506000134352" + "10" + "L" * 20 + "17251231",
     "(10) LLLLLLLLLLLLLLLLLLLL: is followed by more data without a GS separator: the value is too long, "
     "or the separator is missing"),
    ("https://example.com/01/09506000134352?10=A",
     "(10) Digital Link: qualifies (01), so it belongs in the path, not in the query"),
    ("https://example.com/01/09506000134352?21=A",
     "(21) Digital Link: not allowed as a data attribute (query parameter)"),
    ("https://example.com/01/9506000134352/21/A", "(01) 9506000134352: has 13 characters, needs 14"),
    ("]XX123", "unsupported symbology identifier ]XX"),
])
def test_a_refusal_names_the_element_and_the_reason(text: str, message: str) -> None:
    with pytest.raises(Gs1Error) as exc:
        parse_scan(text)
    assert str(exc.value) == message
    assert isinstance(exc.value, ValueError)
    ai = re.match(r"\((\d+)\)", message)
    assert exc.value.ai == (ai.group(1) if ai else None)
    assert exc.value.reason in message


def test_a_missing_serial_hidden_in_the_lot_is_explained() -> None:
    with pytest.raises(Gs1Error) as exc:
        parse_scan("]d2010950600013435217251231" "10LOT7" "21SN42", require=("21",))
    assert str(exc.value) == (
        "(21) is missing: (10) LOT721SN42 reads as (10) LOT7 and (21) SN42 run together "
        "— the GS separator after (10) seems to be missing")
    with pytest.raises(Gs1Error, match=r"^\(21\) is missing from the scan$"):
        parse_scan("(01)09506000134352(10)LOT721SN42", require=("21",))


@pytest.mark.parametrize(("text", "gtin", "serial", "lot", "expiry"), [
    ("]d2010950600013435217251200" "10LOT7\x1d" "21SN-0042", "09506000134352", "SN-0042", "LOT7",
     "2025-12-31"),
    ("]C10109506000134352" "21SN-0042\x1d" "10LOT7\x1d" "17240200\r\n", "09506000134352", "SN-0042", "LOT7",
     "2024-02-29"),
    ("]Q30109506000134352" "21A\x1d", "09506000134352", "A", None, None),
    ("\x1d0109506000134352" "21A", "09506000134352", "A", None, None),
    ("0109506000134352" "21A", "09506000134352", "A", None, None),
    ("(01)09506000134352(21)A\\(1)(17)260100", "09506000134352", "A(1)", None, "2026-01-31"),
    ("https://id.gs1.org/01/09506000134352/10/L%2F1/21/S%2B1?17=260115", "09506000134352", "S+1", "L/1",
     "2026-01-15"),
    ("]Q1https://brand.example/p/01/09506000134352/21/A?17=260115&x=1#top", "09506000134352", "A", None,
     "2026-01-15"),
    ("]E09506000134352", "09506000134352", None, None, None),
])
def test_scans_read_as_unit_labels(text: str, gtin: str, serial: str | None, lot: str | None,
                                   expiry: str | None) -> None:
    scan = parse_scan(text)
    assert (scan.gtin, scan.serial, scan.lot) == (gtin, serial, lot)
    assert scan.expiry == (dt.date.fromisoformat(expiry) if expiry else None)


@pytest.mark.parametrize(("text", "plain"), [
    ("]C0device-00121", "device-00121"),
    ("]A0A100", "A100"),
    ("]Q1HtTps://example.com/01/12312312312333", "HtTps://example.com/01/12312312312333"),
    ("]d1", ""),
])
def test_a_plain_barcode_comes_back_as_plain_data(text: str, plain: str) -> None:
    scan = parse_scan(text, require=("21",))
    assert (scan.plain_data, scan.elements, scan.is_gs1, scan.serial) == (plain, {}, False, None)


@pytest.mark.parametrize(("text", "expected"), [
    ("device-00121", False),
    ("A100", False),
    ("0109506000134352" "21A", False),
    ("(1A)12345", False),
    ("https://example.com/products/42", False),
    ("https://example.com/01-catalog/x", False),
    ("]d20109506000134352", True),
    ("]C0device-00121", True),
    ("0109506000134352" "10LOT\x1d21A", True),
    ("(01)09506000134352(21)A", True),
    ("(21)A", True),
    ("https://id.gs1.org/01/09506000134352/21/A", True),
    ("HTTPS://EXAMPLE.COM/stem/01/09506000134352", True),
    ("  (01)09506000134352\r\n", True),
])
def test_looks_like_gs1(text: str, expected: bool) -> None:
    assert looks_like_gs1(text) is expected


def test_a_unit_is_identified_by_its_digital_link() -> None:
    assert digital_link({"01": "09506000134352", "21": "SN/1+2"}) == (
        "https://id.gs1.org/01/09506000134352/21/SN%2F1%2B2")
    assert element_string({"01": "09506000134352", "10": "L1", "21": "S1", "17": "251231"}) == (
        "0109506000134352" "10L1\x1d" "21S1\x1d" "17251231")


def test_a_scan_is_a_frozen_value() -> None:
    scan = parse_scan("(01)09506000134352(21)A")
    with pytest.raises(AttributeError):
        scan.serial = "B"  # type: ignore[misc]
    same = parse_scan("0109506000134352" "21A")
    assert (scan, hash(scan)) == (same, hash(same))
    assert scan != parse_scan("]d20109506000134352" "21A")  # the symbology identifier is part of it


# --- The dictionary, and biip agreeing with it ---------------------------------------------------------


def test_the_packaged_dictionary_is_the_standard_one() -> None:
    path = STANDARDS / "gs1-syntax-dictionary.txt"
    if not path.exists():
        pytest.skip(f"{path} not found")
    assert parse_syntax_dictionary(path.read_text("utf-8").splitlines()) == dict(syntax_dictionary())


def test_the_dictionary_reads_as_documented() -> None:
    rules = syntax_dictionary()
    assert len(rules) == 541
    assert (rules["01"].fnc1, rules["01"].dl_qualifiers, rules["01"].excludes) == (
        False, (("22", "10", "21"), ("235",)), ("255", "37"))
    assert rules["21"].requires == ((("01",), ("03",), ("8006",)),)
    assert rules["8030"].requires[0][1] == ("01", "21")
    assert [(c.min_length, c.max_length, c.optional) for c in rules["8003"].components] == [
        (1, 1, False), (13, 13, False), (1, 16, True)]
    assert [rules[ai].lengths() for ai in ("01", "10", "7007", "8003", "423")] == [
        "14", "1 to 20", "6 or 12", "14 to 30", "3, 6, 9, 12 or 15"]


def test_every_linter_of_the_dictionary_is_applied_or_listed_as_unchecked() -> None:
    used = {name for rule in syntax_dictionary().values() for c in rule.components for name in c.linters}
    assert used == CHECKED_LINTERS | UNCHECKED_LINTERS
    assert not CHECKED_LINTERS & UNCHECKED_LINTERS


def test_biip_splits_element_strings_by_the_same_ais_and_separator_rules() -> None:
    from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS as biip_table

    rules = syntax_dictionary()
    assert set(biip_table) == set(rules)
    assert {ai for ai, entry in biip_table.items() if entry.separator_required} == {
        ai for ai, rule in rules.items() if rule.fnc1}

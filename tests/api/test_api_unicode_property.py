"""Property: any Unicode text (lone surrogates, NUL, controls, look-alikes, private use…) in any
string field of any write route of the API — body fields, list items, dictionary keys and path
parameters, read from the API's own OpenAPI description — never gets a 5xx, and a refusal
changes nothing."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from serialtrack.accounts.services import create_token, create_user
from serialtrack.api import labels, routes  # noqa: F401 - registers the routes
from serialtrack.api.core import api
from tests.conftest import table_counts
from tests.helpers.api import Api

WRITES = ("post", "put", "patch", "delete")
# Plausible values of the shop below: a fuzzed field gets past the others to the rules.
KNOWN: dict[str, Any] = {
    "warehouse": "WH1", "product": "HT-200", "customer": "Customer A",
    "supplier": "Scanners Wholesale", "shipment": "SHP-000001", "from": "WH1", "to": "WH1",
    "serials": ["A1"], "reason": "checked", "old": "A1", "new": "A9", "sku": "HT-200",
    "code": "WH1", "name": "N", "username": "admin-1", "password": "correct horse battery",
    "kind": "receipt", "role": "viewer", "number": "RCV-000001", "serial": "A1",
    "receipt": "RCV-000001", "supplier_return": "RTS-000001",
}
# Any code point (surrogates included), with the ones the probe found sharp drawn more often.
SHARP = ["\x00", "\ud800", "\udfff", "\udcff", "\x1d", "\t", "\u2066", "\u202e", "\u200b",
         "\ufeff", "\ufe0f", "\u0430", "\uff2c", "\u0301", "\ue000", "\u0378", "\u2028",
         "\u00a0", "\U0001f600", "/", "%", ".", "\\"]
# (A list joined, not st.text: text() merges its alphabet into one range drawn evenly.)
ANY_TEXT = st.lists(st.one_of(st.sampled_from(SHARP), st.characters(exclude_categories=())),
                    max_size=12).map("".join)


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return _resolve(spec["components"]["schemas"][ref.rsplit("/", 1)[1]], spec) if ref else schema


def _kind(prop: dict[str, Any]) -> str | None:
    """'text', 'texts' (a list of strings) or 'keys' (an object keyed by strings)."""
    options = prop.get("anyOf", [prop])
    types = {o.get("type") for o in options}
    if "string" in types:
        return "text"
    for option in options:
        if option.get("type") == "array" and option.get("items", {}).get("type") == "string":
            return "texts"
        if option.get("type") == "object":
            return "keys"
    return None


def _base_value(name: str, prop: dict[str, Any]) -> Any:
    option = prop.get("anyOf", [prop])[0]
    if "enum" in option:
        return option["enum"][0]
    if name in KNOWN:
        return KNOWN[name]
    return {"integer": 1, "boolean": False, "string": "x", "array": []}.get(option.get("type"))


def write_fields() -> list[tuple[str, str, str, str]]:
    """(method, path, where, field) for every string field of every write operation: `where`
    is `body`, `item` (of a list), `key` (of an object) or `path`."""
    spec = api.get_openapi_schema()
    fields = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method not in WRITES:
                continue
            for param in op.get("parameters", []):
                if param["in"] == "path" and param["schema"].get("type") == "string":
                    fields.append((method, path, "path", param["name"]))
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if not body:
                continue
            for name, prop in _resolve(body["schema"], spec).get("properties", {}).items():
                kind = _kind(prop)
                if kind:
                    fields.append((method, path, {"text": "body", "texts": "item",
                                                  "keys": "key"}[kind], name))
    return fields


FIELDS = write_fields()


def request_for(method: str, path: str, where: str, field: str, text: str,
                draft_id: int) -> tuple[str, dict[str, Any] | None]:
    spec = api.get_openapi_schema()
    op = spec["paths"][path][method]
    url = path.replace("{draft_id}", str(draft_id)).replace("{token_id}", "1")
    for param in op.get("parameters", []):
        if param["in"] == "path" and param["name"] not in ("draft_id", "token_id"):
            value = text if (where, field) == ("path", param["name"]) else KNOWN[param["name"]]
            url = url.replace("{" + param["name"] + "}",
                              quote(value.encode("utf-8", "surrogatepass"), safe=""))
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return url, None
    schema = _resolve(content["schema"], spec)
    body = {name: _base_value(name, schema["properties"][name])
            for name in schema.get("required", [])}
    if where == "body":
        body[field] = text
    elif where == "item":
        body[field] = [text]
    elif where == "key":
        body[field] = {text: "hold"}
    if "serials" in schema.get("properties", {}) and "serials" not in body and field != "serials":
        body["serials"] = ["A1"]
    return url, body


@pytest.fixture
def shop(db: Any) -> dict[str, Any]:
    create_user("admin-1", "admin", "correct horse battery")
    _token, raw = create_token("admin-1")
    admin = Api(raw)
    assert admin("POST", "/api/products", {"sku": "HT-200"}).status_code == 201
    assert admin("POST", "/api/warehouses", {"code": "WH1"}).status_code == 201
    admin("POST", "/api/parties", {"name": "Scanners Wholesale", "supplier": True})
    admin("POST", "/api/parties", {"name": "Customer A", "customer": True})
    assert admin("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                           "serials": ["A1", "A2"]}).status_code == 201
    assert admin("POST", "/api/shipments", {"warehouse": "WH1", "product": "HT-200",
                                            "customer": "Customer A",
                                            "serials": ["A2"]}).status_code == 201
    draft = admin("POST", "/api/drafts", {"kind": "receipt", "product": "HT-200",
                                          "warehouse": "WH1"})
    return {"admin": admin, "draft": draft.json()["id"]}


def test_the_property_covers_every_write_route() -> None:
    covered = {(m, p) for m, p, _w, _f in FIELDS}
    assert len(covered) >= 20 and len(FIELDS) >= 60
    assert ("post", "/api/receipts", "item", "serials") in FIELDS
    assert ("post", "/api/returns", "key", "dispositions") in FIELDS


@settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                     HealthCheck.too_slow])
@given(target=st.sampled_from(FIELDS), text=ANY_TEXT)
# What the probe found, always tried: surrogates and NUL where they made a 500 or a bare 400.
@example(target=("post", "/api/receipts", "body", "warehouse"), text="WH\ud800")
@example(target=("post", "/api/receipts", "item", "serials"), text="A\x00")
@example(target=("post", "/api/shipments", "body", "customer"), text="\udfff")
@example(target=("post", "/api/returns", "item", "serials"), text="\ud800")
@example(target=("post", "/api/holds", "body", "reason"), text="\ud800\x00")
@example(target=("post", "/api/labels", "item", "serials"), text="\udcff")
@example(target=("post", "/api/warehouses/{code}/bins", "path", "code"), text="\ud800")
def test_any_text_in_any_field_is_never_a_server_error(shop: dict[str, Any],
                                                       target: tuple[str, str, str, str],
                                                       text: str) -> None:
    method, path, where, field = target
    url, body = request_for(method, path, where, field, text, shop["draft"])
    before = table_counts()
    raw = None if body is None else json.dumps(body)  # lone surrogates travel as \udXXX
    response = shop["admin"](method.upper(), url, raw)
    assert response.status_code < 500, (method, url, body, response.content[:500])
    if response.status_code >= 400:
        assert table_counts() == before, (method, url, body, response.status_code)

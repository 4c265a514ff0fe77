"""Service cases over HTTP (`/api/rma-cases`): clerks open a claim by scanning and add notes and
documents, managers close; refusals are problem details naming the field; the flag for a unit
sold to another customer; a viewer reads only. Photos uploaded (multipart) and served; a
posting naming its case (`case`) is linked as it posts, or refused whole."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers.api import Api

pytestmark = pytest.mark.django_db


def shop(manager: Api, clerk: Api) -> str:
    assert manager("POST", "/api/products", {"sku": "HT-200", "name": "Handheld terminal",
                                             "warranty_days": 365}).status_code == 201
    manager("POST", "/api/warehouses", {"code": "WH1"})
    manager("POST", "/api/parties", {"name": "Scanners Wholesale", "supplier": True})
    for name in ("Customer A", "Customer B"):
        manager("POST", "/api/parties", {"name": name, "customer": True})
    clerk("POST", "/api/receipts", {"warehouse": "WH1", "product": "HT-200",
                                    "supplier": "Scanners Wholesale", "serials": ["D1", "D2"]})
    shp = clerk("POST", "/api/shipments", {"warehouse": "WH1", "customer": "Customer A",
                                           "product": "HT-200", "serials": ["D1"]})
    return str(shp.json()["document"])


def test_rma_cases_over_http(users: dict[str, Api]) -> None:
    clerk, manager, viewer = users["clerk"], users["manager"], users["viewer"]
    shp = shop(manager, clerk)
    body = {"scan": "D1", "claimant": "Customer B", "fault": "screen flickers"}
    assert viewer("POST", "/api/rma-cases", body).status_code == 403
    created = clerk("POST", "/api/rma-cases", body)
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["number"] == "RMA-000001" and case["sold_on"] == shp
    assert case["other_customer"] is True and case["flags"][0]["code"] == "other_customer"
    assert case["warranty"]["under_warranty"] is True

    again = clerk("POST", "/api/rma-cases", body)
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    assert again.json()["errors"][0]["field"] == "scan"
    missing = clerk("POST", "/api/rma-cases", {"scan": "D2", "claimant": "Nobody", "fault": "x"})
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "customer"
    unknown = clerk("POST", "/api/rma-cases", {**body, "colour": "red"})
    assert unknown.status_code == 422

    noted = clerk("POST", "/api/rma-cases/RMA-000001/notes", {"text": "photos by mail"})
    assert noted.status_code == 201 and noted.json()["notes"][0]["user"] == "clerk-1"
    ret = clerk("POST", "/api/returns", {"shipment": shp, "serials": ["D1"],
                                         "disposition": "repair"}).json()["document"]
    listed = viewer("GET", "/api/rma-cases/RMA-000001").json()
    assert [c["number"] for c in listed["candidates"]] == [ret]
    bad = clerk("POST", "/api/rma-cases/RMA-000001/documents", {"document": "RCV-000001"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "document"
    linked = clerk("POST", "/api/rma-cases/RMA-000001/documents", {"document": ret})
    assert linked.status_code == 201 and linked.json()["documents"][0]["role"] == "customer return"

    close = {"outcome": "refund", "reason": "customer wants the money back"}
    assert clerk("POST", "/api/rma-cases/RMA-000001/close", close).status_code == 403
    refused = manager("POST", "/api/rma-cases/RMA-000001/close", close)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "refund"
    closed = manager("POST", "/api/rma-cases/RMA-000001/close", {**close, "refund": "CN-77"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and closed.json()["refund"] == "CN-77"
    assert viewer("GET", "/api/rma-cases?open=true").json() == []
    assert viewer("GET", "/api/rma-cases").json()[0]["outcome"] == "refund"
    assert viewer("GET", "/api/rma-cases/RMA-000099").status_code == 404


def tiny_png() -> bytes:
    """A real 1×1 PNG (a red pixel), built here: signature, IHDR, IDAT, IEND."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte, then R G B
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def upload(caller: Api, number: str, name: str | None, data: bytes = b"",
           content_type: str = "image/png") -> Any:
    """POST a photo as a browser or script does: multipart/form-data, field `photo`."""
    form = {"photo": SimpleUploadedFile(name, data, content_type=content_type)} if name else {}
    return caller.client.post(f"/api/rma-cases/{number}/photos", form, headers=caller.headers)


def test_photos_over_http(users: dict[str, Api]) -> None:
    clerk, manager, viewer = users["clerk"], users["manager"], users["viewer"]
    shop(manager, clerk)
    number = clerk("POST", "/api/rma-cases", {"scan": "D1", "claimant": "Customer A",
                                               "fault": "cracked screen"}).json()["number"]
    png = tiny_png()
    assert upload(users["anonymous"], number, "crack.png", png).status_code == 401
    assert upload(viewer, number, "crack.png", png).status_code == 403
    added = upload(clerk, number, "IMG_0001.png", png)
    assert added.status_code == 201, added.content
    (photo,) = added.json()["photos"]
    assert (photo["name"], photo["content_type"], photo["size"], photo["user"]) == (
        "IMG_0001.png", "image/png", len(png), "clerk-1")
    assert photo["url"] == f"/api/rma-cases/{number}/photos/{photo['id']}"
    assert viewer("GET", f"/api/rma-cases/{number}").json()["photos"] == [photo]

    # served as uploaded, to signed-in users only
    served = viewer("GET", photo["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == png
    assert users["anonymous"]("GET", photo["url"]).status_code == 401
    assert viewer("GET", f"/api/rma-cases/{number}/photos/{photo['id'] + 1}").status_code == 404
    assert viewer("GET", f"/api/rma-cases/{number}/photos/{2**64}").status_code == 404

    # refusals name the field: not an image (whatever its name says), no file at all
    for refused, field in ((upload(clerk, number, "evil.png", b"<html>hi</html>"), "photo"),
                           (upload(clerk, number, None), "photo"),
                           (clerk("POST", f"/api/rma-cases/{number}/photos", {}), "photo")):
        assert refused.status_code == 422, refused.content
        assert refused["Content-Type"] == "application/problem+json"
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert upload(clerk, "RMA-000099", "crack.png", png).status_code == 404
    # the image's bytes may hold NUL (a PNG's do); a form's text may not
    nul = clerk.client.post(f"/api/rma-cases/{number}/photos", {
        "photo": SimpleUploadedFile("x.png", png, content_type="image/png"), "note": "a\x00b"},
        headers=clerk.headers)
    assert nul.status_code == 400 and "NUL" in nul.json()["detail"]
    # a closed case takes no more photos
    manager("POST", f"/api/rma-cases/{number}/close", {"outcome": "reject", "reason": "misuse"})
    closed = upload(clerk, number, "later.png", png)
    assert closed.status_code == 422 and closed.json()["errors"][0]["field"] == "case"
    assert len(viewer("GET", f"/api/rma-cases/{number}").json()["photos"]) == 1


def test_postings_name_their_case_over_http(users: dict[str, Api]) -> None:
    clerk, manager, viewer = users["clerk"], users["manager"], users["viewer"]
    shp = shop(manager, clerk)
    other = clerk("POST", "/api/shipments", {"warehouse": "WH1", "customer": "Customer B",
                                             "product": "HT-200", "serials": ["D2"]})
    number = clerk("POST", "/api/rma-cases", {"scan": "D1", "claimant": "Customer A",
                                               "fault": "dead"}).json()["number"]
    # a return of another unit for this case: refused whole, naming `case`
    wrong = clerk("POST", "/api/returns", {"shipment": other.json()["document"],
                                           "serials": ["D2"], "case": number})
    assert wrong.status_code == 422 and [e["field"] for e in wrong.json()["errors"]] == ["case"]
    assert viewer("GET", "/api/documents?kind=return").json() == []
    ret = clerk("POST", "/api/returns", {"shipment": shp, "serials": ["D1"],
                                         "disposition": "repair", "case": number})
    assert ret.status_code == 201, ret.content
    case = viewer("GET", f"/api/rma-cases/{number}").json()
    assert [(d["number"], d["role"]) for d in case["documents"]] == [
        (ret.json()["document"], "customer return")]
    done = manager("POST", "/api/repairs/done", {"product": "HT-200", "serials": ["D1"],
                                                 "case": number})
    assert done.status_code == 201, done.content
    manager("POST", f"/api/rma-cases/{number}/close", {"outcome": "repair", "reason": "fixed"})
    # the case is closed: a repair naming it is refused, nothing posted
    late = manager("POST", "/api/repairs/start", {"product": "HT-200", "serials": ["D1"],
                                                  "case": number})
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "case"
    history = viewer("GET", "/api/products/HT-200/units/D1/history").json()
    assert [m["kind"] for m in history["movements"]][-1] == "repair"
    assert history["unit"]["status"] == "in_stock"

"""Request and response bodies. Unknown fields are refused (a typo never passes silently)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from serialtrack.posting import operations

# The inputs of postings are declared with their operations (`serialtrack.posting.operations`)
# and are the API's request bodies; these are the API's other bodies and its answers.
Serial = operations.Serial
Serials = operations.Serials
In = operations.In
Disposition = operations.Disposition
DraftKind = Literal[tuple(operations.draft_kinds())]  # type: ignore[valid-type]
DraftOperation = Literal[  # type: ignore[valid-type]
    ("", *(name for kind in operations.draft_kinds()
           for name in operations.draft_operations(kind)))]


class ProductIn(In):
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=200)
    tracking: Literal["serial", "lot", "none"] = "serial"
    serial_pattern: str = Field(default="", max_length=500)
    warranty_days: int = Field(default=0, ge=0, le=36500)
    gtin: str | None = Field(default=None, max_length=14)
    serial_template: str = Field(default="", max_length=200)
    unicode_serials: bool = Field(default=False, description="accept new serials beyond "
                                  "printable ASCII (README: serial policy)")


class ProductPatch(In):
    """The fields to change; those left out stay as they are (an empty GTIN, pattern or
    template clears it)."""
    name: str | None = Field(default=None, max_length=200)
    tracking: Literal["serial", "lot", "none"] | None = None
    serial_pattern: str | None = Field(default=None, max_length=500)
    warranty_days: int | None = Field(default=None, ge=0, le=36500)
    gtin: str | None = Field(default=None, max_length=14)
    serial_template: str | None = Field(default=None, max_length=200)
    unicode_serials: bool | None = None


class ProductOut(Schema):
    sku: str
    name: str
    tracking: str
    gtin: str | None
    serial_pattern: str
    serial_template: str
    unicode_serials: bool
    warranty_days: int


class WarehouseIn(In):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(default="", max_length=200)


class BinIn(In):
    code: str = Field(min_length=1, max_length=32)


class WarehouseOut(Schema):
    code: str
    name: str
    bins: list[str]


class PartyIn(In):
    name: str = Field(min_length=1, max_length=200)
    customer: bool = False
    supplier: bool = False
    contact: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""


class PartyPatch(In):
    """The roles and contact details to change; those left out stay as they are (an empty
    detail clears it). A party stays a customer, a supplier or both."""
    customer: bool | None = None
    supplier: bool | None = None
    contact: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None


class PartyOut(Schema):
    name: str
    customer: bool
    supplier: bool
    contact: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""


class LotOut(Schema):
    product: str
    code: str
    expiry: dt.date | None


class UnitOut(Schema):
    product: str
    serial: str
    manufacturer_serial: str | None = Field(
        default=None, description="the maker's serial, when the unit carries one beside its own")
    status: str
    location: str | None
    holder: str | None
    lot: str | None
    expiry: dt.date | None
    cost: Decimal | None
    received_at: dt.datetime
    warranty_start: dt.date | None
    warranty_end: dt.date | None


class UnitPage(Schema):
    items: list[UnitOut]
    next_cursor: str | None


class LineOut(Schema):
    line: int
    product: str
    quantity: int
    lot: str | None
    serials: list[str] | None = None
    model_config = ConfigDict(extra="allow")


class DocumentOut(Schema):
    id: int
    document: str | None
    kind: str
    status: str
    party: str | None
    warehouse: str | None
    related: str | None
    related_documents: list[str]
    reason: str | None
    reference: str | None
    posted_at: dt.datetime | None
    posted_by: str | None
    lines: list[dict[str, Any]]


class DraftIn(In):
    kind: DraftKind
    operation: DraftOperation = Field(
        default="", description="adjustment: hold, release or write_off (needs a reason); "
        "repair: repair_start, repair_done or repair_ship_back (to the customer who returned "
        "the units)")
    product: str | None = Field(default=None,
                                description="receipt, shipment, transfer, adjustment, repair")
    warehouse: str | None = Field(default=None, description="receipt, shipment; return: where to")
    supplier: str | None = None
    customer: str | None = None
    shipment: str | None = Field(default=None, description="return: the shipment's number")
    source: str | None = Field(default=None, alias="from", description="transfer")
    destination: str | None = Field(default=None, alias="to", description="transfer")
    expected_quantity: int | None = Field(default=None, ge=1)
    lot: str | None = None
    expiry: dt.date | None = None
    cost: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=4)
    disposition: Disposition = "restock"
    reference: str = Field(default="", max_length=100)
    reason: str = Field(default="", max_length=500)
    order: str | None = Field(default=None, max_length=32,
                              description="receipt: purchase order; shipment: sales order")
    assembly: str | None = Field(default=None, max_length=200,
                                 description="assembly: the serial (or scan) of the unit built "
                                 "(new, or in stock to build into); the scans are its "
                                 "components")
    case: str | None = Field(default=None, max_length=32,
                             description="return: the open service case (RMA-000001) it carries "
                             "out, kept as its reference; linked to it as it posts")
    scans: Literal["serials", "manufacturer_serials", "paired_serials"] = Field(
        default="serials", description="receipt: what the scans are, the units' own serials or "
        "the makers' serials (each unit then gets a serial from the product's serial template "
        "when the draft posts) or both, paired (each scan's `manufacturer_serials` beside it)")


class ScansIn(In):
    serials: Serials = Field(min_length=1, max_length=100_000)
    disposition: Disposition | None = None
    manufacturer_serials: list[str] | None = Field(
        default=None, max_length=100_000, description="a draft of paired_serials: the maker's "
        "serial of each scan, position by position (a pair is kept or refused whole)")


class ScanVerdict(Schema):
    serial: str
    accepted: bool
    code: str | None
    message: str | None


class DraftOut(Schema):
    id: int
    kind: str
    operation: str = Field(default="", description="adjustment and repair drafts: what they post")
    scans: Literal["serials", "manufacturer_serials", "paired_serials"] = Field(
        default="serials", description="what the scans are: serials, manufacturer_serials, or "
        "paired_serials (each serial with its maker's)")
    status: str
    product: str | None
    assembly: str | None = Field(default=None, description="assembly drafts: the unit built")
    expected_quantity: int | None
    scanned: int
    verdicts: list[ScanVerdict] = []


class HistoryOut(Schema):
    unit: dict[str, Any]
    movements: list[dict[str, Any]]
    at: dict[str, Any] | None = None  # where the unit was at `?at=` (README: Money and the past)
    # a shipped unit's sale: price, cost, margin (README: Revenue and gross margin)
    sale: dict[str, Any] | None = None


class LoginIn(In):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1000)


class UserIn(In):
    username: str = Field(min_length=1, max_length=150)
    role: Literal["viewer", "clerk", "manager", "admin"]
    password: str | None = Field(default=None, min_length=8, max_length=1000)


class TokenIn(In):
    username: str
    name: str = Field(default="", max_length=100)
    expires_days: int | None = Field(default=None, ge=1, le=3650)

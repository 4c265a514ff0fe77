"""Request and response bodies. Unknown fields are refused (a typo never passes silently)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field

MAX_SERIALS = 1_000_000
Serial = str


class In(BaseModel):
    """A request body: plain pydantic. django-ninja's Schema is for answers built from model
    instances (it reads attributes through a wrapper), and with unknown fields forbidden it
    validates a body twice, once as sent and once through that wrapper. The OpenAPI schema is
    the same either way."""

    model_config = ConfigDict(extra="forbid")


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
    tracking: Literal["serial", "lot", "none"]


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


class PartyOut(Schema):
    name: str
    customer: bool
    supplier: bool


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


Serials = list[Serial]


class ReceiptIn(In):
    warehouse: str = Field(description="CODE or CODE/BIN")
    product: str
    serials: Serials = Field(default_factory=list, max_length=MAX_SERIALS)
    quantity: int | None = Field(default=None, ge=1)
    supplier: str | None = None
    lot: str | None = Field(default=None, max_length=128)
    expiry: dt.date | None = None
    cost: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=4)
    reference: str = Field(default="", max_length=100)
    generate: int | None = Field(default=None, ge=1, le=1_000_000,
                                 description="give N units serials from the product's template")
    manufacturer_serials: list[Serial | None] = Field(
        default_factory=list, max_length=MAX_SERIALS,
        description="the makers' serials, one per unit (null: none): beside `serials`, position "
                    "by position, or alone — each unit then gets a generated serial")


class FoundIn(In):
    warehouse: str
    product: str
    reason: str = Field(min_length=1, max_length=500)
    serials: Serials = Field(default_factory=list, max_length=MAX_SERIALS)
    quantity: int | None = Field(default=None, ge=1)
    lot: str | None = Field(default=None, max_length=128)
    expiry: dt.date | None = None
    cost: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=4)


class ShipmentIn(In):
    warehouse: str
    customer: str
    product: str
    serials: Serials = Field(default_factory=list, max_length=MAX_SERIALS)
    quantity: int | None = Field(default=None, ge=1)
    lot: str | None = None
    reference: str = Field(default="", max_length=100)


Disposition = Literal["restock", "hold", "repair", "scrap"]


class ReturnIn(In):
    shipment: str
    serials: Serials = Field(default_factory=list, max_length=MAX_SERIALS)
    disposition: Disposition = "restock"
    dispositions: dict[str, Disposition] = Field(default_factory=dict,
                                                 description="per-serial dispositions")
    warehouse: str | None = None
    product: str | None = Field(default=None, description="lot/quantity products, with quantity")
    quantity: int | None = Field(default=None, ge=1)
    lot: str | None = None
    reason: str = Field(default="", max_length=500)


class TransferIn(In):
    source: str = Field(alias="from", description="CODE or CODE/BIN")
    destination: str = Field(alias="to", description="CODE or CODE/BIN")
    product: str
    serials: Serials = Field(default_factory=list, max_length=MAX_SERIALS)
    quantity: int | None = Field(default=None, ge=1)
    lot: str | None = None
    reason: str = Field(default="", max_length=500)


class SerialsIn(In):
    product: str
    serials: Serials = Field(min_length=1, max_length=MAX_SERIALS)
    reason: str = Field(default="", max_length=500)


class ScrapIn(In):
    product: str
    reason: str = Field(min_length=1, max_length=500)
    serials: Serials = Field(default_factory=list, max_length=MAX_SERIALS)
    quantity: int | None = Field(default=None, ge=1)
    warehouse: str | None = None
    lot: str | None = None


class ShipBackIn(SerialsIn):
    customer: str | None = None


class ReplaceIn(In):
    product: str
    old: str
    new: str
    customer: str | None = None
    replacement_product: str | None = None
    reason: str = Field(default="", max_length=500)


class ReverseIn(In):
    reason: str = Field(default="", max_length=500)


class CorrectSerialIn(In):
    product: str
    old: str
    new: str
    reason: str = Field(min_length=1, max_length=500)


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
    kind: Literal["receipt", "shipment", "return", "transfer", "adjustment", "repair"]
    operation: Literal["", "hold", "release", "write_off", "repair_start", "repair_done",
                       "repair_ship_back"] = Field(
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
    scans: Literal["serials", "manufacturer_serials"] = Field(
        default="serials", description="receipt: what the scans are, the units' own serials or "
        "the makers' serials (each unit then gets a serial from the product's serial template "
        "when the draft posts)")


class ScansIn(In):
    serials: Serials = Field(min_length=1, max_length=100_000)
    disposition: Disposition | None = None


class ScanVerdict(Schema):
    serial: str
    accepted: bool
    code: str | None
    message: str | None


class DraftOut(Schema):
    id: int
    kind: str
    operation: str = Field(default="", description="adjustment and repair drafts: what they post")
    scans: Literal["serials", "manufacturer_serials"] = Field(
        default="serials", description="what the scans are: serials, or manufacturer_serials")
    status: str
    product: str | None
    expected_quantity: int | None
    scanned: int
    verdicts: list[ScanVerdict] = []


class HistoryOut(Schema):
    unit: dict[str, Any]
    movements: list[dict[str, Any]]


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

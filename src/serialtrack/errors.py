"""Typed refusals. A refusal lists every offending item, not the first; nothing was changed.

Each `Problem` names what is wrong (serial, line, field) and carries a machine-readable `code`.
The interfaces map them: the CLI to exit code 3, the API to RFC 9457 problem details
(409 for `Conflict`, 404 for `NotFound`, 422 for the other refusals)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    serial: str | None = None
    line: int | None = None
    field: str | None = None
    extra: dict[str, Any] = dc_field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        extra = data.pop("extra")
        data.update(extra)
        return {k: v for k, v in data.items() if v is not None}


class Refused(Exception):
    """A document or request was refused by a rule. The database is exactly as before."""

    code = "refused"
    title = "Refused by a rule"
    http_status = 422

    def __init__(self, problems: Iterable[Problem] | str, *, title: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [Problem(self.code, problems)]
        self.problems: list[Problem] = list(problems)
        if title:
            self.title = title
        super().__init__(self.summary())

    def summary(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0].message
        return f"{self.title}: {len(self.problems)} problems"

    def as_dict(self) -> dict[str, Any]:
        return {
            "error": type(self).__name__,
            "code": self.code,
            "title": self.title,
            "status": self.http_status,
            "detail": self.summary(),
            "errors": [p.as_dict() for p in self.problems],
        }


class InvalidInput(Refused):
    code = "invalid"
    title = "Invalid input"


class InvalidSerial(InvalidInput):
    code = "invalid_serial"
    title = "Invalid serial"


class CountMismatch(InvalidInput):
    code = "count_mismatch"
    title = "Quantity does not equal the number of serials"


class NotFound(Refused):
    code = "not_found"
    title = "Not found"
    http_status = 404


class AmbiguousSerial(Refused):
    code = "ambiguous_serial"
    title = "Serial exists on more than one product"


class DuplicateSerial(Refused):
    code = "duplicate_serial"
    title = "Duplicate serial"


class SerialNotInStock(Refused):
    code = "not_in_stock"
    title = "Serial not available"


class InsufficientStock(Refused):
    code = "insufficient_stock"
    title = "Not enough stock"


class NotOnShipment(Refused):
    code = "not_on_shipment"
    title = "Serial not returnable from this shipment"


class NotFromSupplier(Refused):
    """A return to supplier names a unit that did not come on the receipt it goes back
    against."""

    code = "not_from_supplier"
    title = "Serial did not come on this receipt"


class TrackingLocked(Refused):
    code = "tracking_locked"
    title = "Tracking mode cannot change"


class NotReversible(Refused):
    code = "not_reversible"
    title = "Document cannot be reversed"


class Expired(Refused):
    """Stock past its expiry date, asked to ship (a manager may let it go, with a reason)."""

    code = "expired"
    title = "Expired stock"


class ScanMismatch(Refused):
    """A scanned label whose lot, expiry or GTIN contradicts the unit's record."""

    code = "scan_mismatch"
    title = "Scan contradicts the unit's record"


class NotPermitted(Refused):
    """An override the user's role does not allow."""

    code = "not_permitted"
    title = "Role too low for this override"
    http_status = 403


class Throttled(Refused):
    """Too many requests from one client address."""

    code = "throttled"
    title = "Too many requests"
    http_status = 429


class Conflict(Refused):
    """Another clerk's posting took the same units first."""

    code = "conflict"
    title = "Conflict with another posting"
    http_status = 409


_BY_CODE: dict[str, type[Refused]] = {
    cls.code: cls
    for cls in (
        InvalidInput, InvalidSerial, CountMismatch, NotFound, AmbiguousSerial, DuplicateSerial,
        SerialNotInStock, InsufficientStock, NotOnShipment, NotFromSupplier, TrackingLocked,
        NotReversible, Expired, ScanMismatch, NotPermitted, Throttled, Conflict,
    )
}


def refuse(problems: list[Problem]) -> None:
    """Raise the most specific refusal for `problems` (a conflict wins); no-op when empty."""
    if not problems:
        return
    codes = {p.code for p in problems}
    if "conflict" in codes:
        raise Conflict(problems)
    cls = _BY_CODE.get(codes.pop(), Refused) if len(codes) == 1 else Refused
    raise cls(problems)

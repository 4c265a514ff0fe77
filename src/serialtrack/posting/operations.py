"""The declarations of what can be posted: one `Operation` per thing a user posts (a document
kind, or one operation of a kind: an adjustment is a hold, a release, a write-off…).

A declaration says everything the interfaces need: its document kind, its engine entry, its
input fields with their types (`body`, a pydantic model), the role that may post it, its title
and help, where the API and the command line offer it, and — when it can be filled in scan by
scan — its draft (`Station`: what a draft of it must name, how it posts, how a scan on it is
judged). The interfaces read the registry (`declared()`, `operation()`, `drafted()`); none
keeps a list of kinds of its own. Each document kind's module declares its operations beside
its entries (`register(Operation(...))`), and `serialtrack.posting` imports every such module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from pydantic import BaseModel, ConfigDict, Field

from serialtrack.inventory.models import Document, DocumentKind, DraftLine

MAX_SERIALS = 1_000_000
Serial = str
Serials = list[Serial]
Disposition = Literal["restock", "hold", "repair", "scrap"]

# What a draft's scans are (`DraftLine.scans`): the units' own serials, or for a receipt of a
# product with a serial template the makers' serials, or for a receipt each unit's own serial
# paired with its maker's serial (two scans per unit: ours, then the maker's).
SERIALS = "serials"
MANUFACTURER_SERIALS = "manufacturer_serials"
PAIRED_SERIALS = "paired_serials"
SCANS = (SERIALS, MANUFACTURER_SERIALS, PAIRED_SERIALS)


class In(BaseModel):
    """An input: plain pydantic, unknown fields refused (a typo never passes silently). The API
    validates request bodies with it; django-ninja's Schema is for answers built from model
    instances (with unknown fields forbidden it validates a body twice)."""

    model_config = ConfigDict(extra="forbid")


def serial_list(required: bool = False, description: str | None = None) -> Any:
    """The field of a serial list (up to a million per document)."""
    if required:
        return Field(min_length=1, max_length=MAX_SERIALS, description=description)
    return Field(default_factory=list, max_length=MAX_SERIALS, description=description)


def scan_mismatch_override() -> Any:
    """The field of a manager's override: GS1 labels scanned whose lot, expiry or GTIN
    contradicts the units' record are accepted (with the reason, kept in the history)."""
    return Field(default=False, description="Accept GS1 labels whose lot, expiry or GTIN "
                 "contradicts the units' record (manager only, with a reason).")


CASE_NUMBER = re.compile(r"RMA-\d{6,}")


def draft_case(doc: Document) -> str | None:
    """The service case a draft carries out: the case number its reference holds (a return
    draft opened from the case page, `drafts.create_draft(case=…)`), else None."""
    reference = (doc.reference or "").strip()
    return reference if CASE_NUMBER.fullmatch(reference) else None


def case_field() -> Any:
    """The field of the service case a document carries out (`RMA-000001`): the posted
    document is linked to it in the posting's own transaction (`Operation.post`)."""
    return Field(default=None, max_length=32, description="The service case (RMA-000001) this "
                 "carries out: linked to it as it posts (a case that cannot take it refuses "
                 "the posting).")


class SerialsIn(In):
    """Listed units of one product, moved by an adjustment or a repair step."""

    product: str
    serials: Serials = serial_list(required=True)
    reason: str = Field(default="", max_length=500)


# A draft's posting: the entry's keyword arguments (without `user`) for the draft's document,
# its line, the serials scanned (as posted) and the per-serial dispositions of a return.
DraftArguments = Callable[[Document, DraftLine, Sequence[str], "dict[str, str] | None"],
                          dict[str, Any]]
# The receipt's own judge of a draft's scans (read only), instead of a dry run of its entry:
# (line, serials already read and pattern-checked, the lot and expiry each GS1 scan carried)
# -> the first problem per refused serial.
ScanJudge = Callable[[DraftLine, list[str], dict[str, Any]], dict[str, Any]]


def unit_arguments(doc: Document, line: DraftLine, serials: Sequence[str],
                   dispositions: dict[str, str] | None) -> dict[str, Any]:
    """The arguments of a draft of listed units of one product (`SerialsIn`)."""
    return {"product": line.product.sku, "serials": serials, "reason": doc.reason}


@dataclass(frozen=True)
class Station:
    """How an operation is filled in scan by scan: a draft on the server, at a web station.

    `needs`: the fields opening a draft must name (product, warehouse, customer, shipment,
    source, destination, reason, assembly); `arguments`: how the draft posts; `judge`: how a scan
    is judged — None for a dry run of the entry on that serial (rolled back), so every kind
    judges a scan by the very rules its posting applies. `form` is the opening page: `start`
    (goods arriving or leaving), `return` (find the shipment first) or `move` (units we hold).
    `any_product`: the scans are units of any product, not of the draft's (an assembly's
    components; the draft's product is the assembly's); `checked_on_open`: opening the draft
    dry-runs its entry with no scans, so what it names is judged before the first scan (an
    assembly's serial: new, or in stock where it is built)."""

    url: str
    post_label: str
    needs: tuple[str, ...]
    arguments: DraftArguments
    form: Literal["start", "return", "move"] = "move"
    lead: str = ""
    judge: ScanJudge | None = None
    # fields a draft may name besides its needs (a receipt's purchase order, a shipment's sales
    # order): offered at the station, optional
    optional: tuple[str, ...] = ()
    any_product: bool = False
    checked_on_open: bool = False


@dataclass(frozen=True)
class Operation:
    """One thing a user posts. `name` is the operation's identity (a draft's station, the API's
    route name `post_<name>` unless `api_name` says otherwise); `cli` is the command's words
    (`("repair", "start")`); `cli_arguments` the body fields taken as positional arguments
    (a serial list is always the positional argument)."""

    name: str
    kind: DocumentKind
    entry: Callable[..., Document]
    role: Literal["clerk", "manager"]
    title: str
    help: str
    body: type[In]
    api_path: str
    cli: tuple[str, ...]
    cli_arguments: tuple[str, ...] = ()
    api_name: str = ""
    station: Station | None = None

    @property
    def route_name(self) -> str:
        return self.api_name or f"post_{self.name}"

    @property
    def path_fields(self) -> tuple[str, ...]:
        """The inputs the API takes in its path (`/documents/{number}/reverse`): text."""
        return tuple(re.findall(r"{(\w+)}", self.api_path))

    def post(self, user: Any, **fields: Any) -> Document:
        """Post through the entry (one transaction, a lost race retried). A body with a `case`
        (`case_field`) given links the posted document to that service case in the same
        transaction, by `service_cases.link_document`'s rules: when the case cannot take it
        (unknown or closed, the document does not concern its unit or claimant) the whole
        posting is refused, naming `case`, and nothing is posted."""
        case = fields.pop("case", None) if "case" in self.body.model_fields else None
        if not case:
            return self.entry(user=user, **fields)
        from serialtrack import service_cases  # a service over the engine, not under it

        with transaction.atomic():
            doc = self.entry(user=user, **fields)
            service_cases.link_document(case, document=doc.number, user=user, field="case")
        return doc


_REGISTRY: dict[str, Operation] = {}


def register(op: Operation) -> Operation:
    """Declare an operation (once, at import of its kind's module)."""
    if op.name in _REGISTRY and _REGISTRY[op.name] is not op:
        raise ValueError(f"operation {op.name!r} is declared twice")
    _REGISTRY[op.name] = op
    return op


_KIND_ORDER = {kind: i for i, kind in enumerate(DocumentKind)}


def declared() -> list[Operation]:
    """Every declared operation, by document kind (receipt, shipment, return… as
    `DocumentKind` lists them), then in the order their modules declared them."""
    return sorted(_REGISTRY.values(), key=lambda op: _KIND_ORDER[op.kind])


def operation(name: str) -> Operation:
    return _REGISTRY[name]


def stations() -> list[Operation]:
    """The operations that can be drafted (filled in scan by scan)."""
    return [op for op in declared() if op.station is not None]


def draft_kinds() -> list[str]:
    """The document kinds a draft can be of, in declaration order."""
    return list(dict.fromkeys(op.kind.value for op in stations()))


def draft_operations(kind: str) -> list[str]:
    """The operations a draft of `kind` must name: none when the kind has one drafted operation
    (a receipt is a receipt), else one of its operations (an adjustment: hold, release…)."""
    ops = [op.name for op in stations() if op.kind == kind]
    return [] if ops == [kind] else ops


def drafted(kind: str, operation_name: str = "") -> Operation:
    """The operation a draft of `kind` (naming `operation_name`, or none) posts; a KeyError
    when no drafted operation answers to them (`drafts.create_draft` says why)."""
    op = _REGISTRY[operation_name or kind]
    if op.station is None or op.kind != kind:
        raise KeyError(operation_name or kind)
    return op


def draft_role(kind: str, operation_name: str = "") -> str:
    """The role a draft needs: that of the operation it names (else of its kind's), before the
    draft is checked; the clerk role when neither is drafted (the draft is then refused)."""
    op = _REGISTRY.get(operation_name or kind)
    return op.role if op is not None and op.station is not None else "clerk"

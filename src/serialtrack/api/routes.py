"""Every capability of the command line over HTTP, through the same services, rules and errors.
Each route names the role it needs; the authorization test reads them from here."""

from __future__ import annotations

import base64
import inspect
from typing import Any

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from ninja import Query, Router, Status
from ninja.errors import HttpError

from serialtrack import catalog, queries
from serialtrack.api import schemas as s
from serialtrack.api.core import Forbidden, api, role
from serialtrack.errors import InvalidInput, NotFound, Problem
from serialtrack.fastpath import json_response
from serialtrack.inventory.models import (
    Document,
    Lot,
    Party,
    Product,
    Warehouse,
)
from serialtrack.posting import drafts, operations
from serialtrack.queries import catalog as listed
from serialtrack.queries import money
from serialtrack.queries.filters import DocumentFilters, UnitFilters
from serialtrack.queries.filters import documents as selected_documents
from serialtrack.queries.filters import units as selected_units
from serialtrack.queries.units import unit_row
from serialtrack.queries.units import units_by_serial as find_units

VIEWER, CLERK, MANAGER, ADMIN = role("viewer"), role("clerk"), role("manager"), role("admin")


def _doc(doc: Document, with_serials: bool = False) -> dict[str, Any]:
    return {"id": doc.pk, **queries.document_summary(doc, with_serials=with_serials)}


# -- health and session -------------------------------------------------------------------------

system = Router(tags=["system"])


@system.get("/health", auth=None, response={200: dict})
def health(request: HttpRequest) -> dict[str, Any]:
    """Liveness and database reachability; the only thing readable without logging in."""
    Product.objects.exists()
    return {"status": "ok"}


@system.get("/genuine", auth=None, response={200: dict})
def genuine_check(request: HttpRequest, code: str = "", product: str | None = None
                  ) -> dict[str, Any]:
    """Public, when switched on (`SERIALTRACK_GENUINE_CHECK=1`): is this serial (with the product's
    SKU or GTIN), or this scanned GS1 label / Digital Link, one of ours? Only genuine / sold
    when / warranty until, or "not one of ours"; throttled per client address."""
    from serialtrack import genuine

    genuine.check_enabled()
    return genuine.verify(code, product, client=request.META.get("REMOTE_ADDR", ""))


@system.post("/auth/login", auth=None, response={200: dict})
def log_in(request: HttpRequest, payload: s.LoginIn) -> dict[str, Any]:
    """Start a browser session (then send the `csrftoken` cookie back as `X-CSRFToken`)."""
    from serialtrack.accounts.roles import role_of
    from serialtrack.accounts.services import authenticate_password, login_allowed

    ip = request.META.get("REMOTE_ADDR", "")
    if not login_allowed(payload.username, ip):
        raise HttpError(429, "too many failed logins for this user; try again in 15 minutes")
    user = authenticate_password(request, payload.username, payload.password, ip)
    if user is None:
        raise HttpError(401, "wrong username or password")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return {"username": user.username, "role": role_of(user), "csrf_token": get_token(request)}


@system.post("/auth/logout", auth=VIEWER, response={200: dict})
def log_out(request: HttpRequest) -> dict[str, Any]:
    logout(request)
    return {"logged_out": True}


@system.get("/auth/me", auth=VIEWER, response={200: dict})
def me(request: HttpRequest) -> dict[str, Any]:
    from serialtrack.accounts.roles import role_of

    return {"username": request.user.username, "role": role_of(request.user)}


# -- catalog: products, warehouses, parties, lots --------------------------------------------------

catalog_router = Router(tags=["catalog"])


def _product(p: Product) -> dict[str, Any]:
    return {"sku": p.sku, "name": p.name, "tracking": p.tracking, "gtin": p.gtin,
            "serial_pattern": p.serial_pattern, "serial_template": p.serial_template,
            "unicode_serials": p.unicode_serials, "warranty_days": p.warranty_days}


@catalog_router.get("/products", auth=VIEWER, response=list[s.ProductOut])
def list_products(request: HttpRequest) -> list[dict[str, Any]]:
    return [_product(p) for p in listed.products()]


@catalog_router.post("/products", auth=MANAGER, response={201: s.ProductOut})
def add_product(request: HttpRequest, payload: s.ProductIn) -> Status[dict[str, Any]]:
    p = catalog.create_product(payload.sku, payload.name or payload.sku, payload.tracking,
                               serial_pattern=payload.serial_pattern,
                               warranty_days=payload.warranty_days, gtin=payload.gtin,
                               serial_template=payload.serial_template,
                               unicode_serials=payload.unicode_serials)
    return Status(201, _product(p))


@catalog_router.get("/products/{sku}", auth=VIEWER, response=s.ProductOut)
def get_product(request: HttpRequest, sku: str) -> dict[str, Any]:
    return _product(catalog.get_product(sku))


@catalog_router.get("/products/{sku}/next-serials", auth=VIEWER, response=dict)
def next_serials(request: HttpRequest, sku: str, count: int = 5) -> dict[str, Any]:
    """Preview of the serials the next generated receipt would get (nothing is taken)."""
    from serialtrack.posting.generated import preview

    return {"product": sku, "next": preview(catalog.get_product(sku), count)}


@catalog_router.patch("/products/{sku}", auth=MANAGER, response=s.ProductOut)
def change_product(request: HttpRequest, sku: str, payload: s.ProductPatch) -> dict[str, Any]:
    """Change the fields given (the set-up page's rules and messages); the others are kept."""
    return _product(catalog.change_product(sku, **payload.model_dump(exclude_none=True)))


def _warehouse(w: Warehouse) -> dict[str, Any]:
    """With its bins by code: as the list prefetched them, else read now."""
    bins = getattr(w, "bins", None)
    if bins is None:
        bins = w.locations.order_by("code")
    return {"code": w.code, "name": w.name, "bins": [loc.code for loc in bins]}


@catalog_router.get("/warehouses", auth=VIEWER, response=list[s.WarehouseOut])
def list_warehouses(request: HttpRequest) -> list[dict[str, Any]]:
    return [_warehouse(w) for w in listed.warehouses()]


@catalog_router.post("/warehouses", auth=MANAGER, response={201: s.WarehouseOut})
def add_warehouse(request: HttpRequest, payload: s.WarehouseIn) -> Status[dict[str, Any]]:
    return Status(201, _warehouse(catalog.create_warehouse(payload.code, payload.name)))


@catalog_router.post("/warehouses/{code}/bins", auth=MANAGER, response={201: s.WarehouseOut})
def add_bin(request: HttpRequest, code: str, payload: s.BinIn) -> Status[dict[str, Any]]:
    catalog.create_bin(code, payload.code)
    return Status(201, _warehouse(catalog.get_warehouse(code)))


def _party(p: Party) -> dict[str, Any]:
    return {"name": p.name, "customer": p.is_customer, "supplier": p.is_supplier,
            "contact": p.contact, "email": p.email, "phone": p.phone, "address": p.address}


@catalog_router.get("/parties", auth=VIEWER, response=list[s.PartyOut])
def list_parties(request: HttpRequest) -> list[dict[str, Any]]:
    return [_party(p) for p in listed.parties()]


@catalog_router.post("/parties", auth=MANAGER, response={201: s.PartyOut})
def add_party(request: HttpRequest, payload: s.PartyIn) -> Status[dict[str, Any]]:
    return Status(201, _party(catalog.create_party(
        payload.name, customer=payload.customer, supplier=payload.supplier,
        contact=payload.contact, email=payload.email, phone=payload.phone,
        address=payload.address)))


@catalog_router.patch("/parties/{name}", auth=MANAGER, response=s.PartyOut)
def change_party(request: HttpRequest, name: str, payload: s.PartyPatch) -> dict[str, Any]:
    """Change the roles and contact details given; the others are kept."""
    return _party(catalog.change_party(name, **payload.model_dump(exclude_none=True)))


@catalog_router.get("/lots", auth=VIEWER, response=list[s.LotOut])
def list_lots(request: HttpRequest, product: str | None = None) -> list[dict[str, Any]]:
    lots = Lot.objects.select_related("product").order_by("product__sku", "expiry", "code")
    if product:
        lots = lots.filter(product__sku=product)
    return [{"product": lot.product.sku, "code": lot.code, "expiry": lot.expiry}
            for lot in lots[:10_000]]


# -- units ------------------------------------------------------------------------------------------

units = Router(tags=["units"])


UNIT_COLUMNS = ("id", "product__sku", "product__name", "serial", "status",
                "location__warehouse__code", "location__code", "holder__name", "lot__code",
                "lot__expiry", "cost", "received_at", "warranty_start", "warranty_end",
                "manufacturer_serial")


def _units(qs: Any) -> list[dict[str, Any]]:
    """Rows in the same shape as `queries.find_unit` gives, in one query."""
    return [unit_row(row) for row in qs.values_list(*UNIT_COLUMNS)]


@units.get("/units", auth=VIEWER, response=s.UnitPage)
def list_units(request: HttpRequest, filters: Query[UnitFilters], cursor: str | None = None,
               limit: int = 100) -> dict[str, Any]:
    """Units, oldest first, `limit` (≤ 1000) at a time; pass `next_cursor` back as `cursor`."""
    qs = selected_units(filters).order_by("id")
    if cursor:
        try:
            after = int(base64.urlsafe_b64decode(cursor.encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput([Problem("invalid", "cursor is not one this API gave",
                                        field="cursor")]) from None
        qs = qs.filter(id__gt=after)
    limit = max(1, min(limit, 1000))
    page = _units(qs[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    cursor = base64.urlsafe_b64encode(str(page[-1]["id"]).encode()).decode() if more else None
    return {"items": page, "next_cursor": cursor}


@units.get("/units/by-serial/{serial}", auth=VIEWER, response=list[s.UnitOut])
def units_by_serial(request: HttpRequest, serial: str) -> list[dict[str, Any]]:
    """Every unit carrying `serial` (one per product that has it): as its serial, else as its
    manufacturer serial, else before a correction."""
    found = find_units(serial.strip())
    if not found:
        raise NotFound([Problem("not_found", f"unknown serial {serial.strip()!r}",
                                serial=serial.strip())])
    return found


@units.get("/units/by-scan", auth=VIEWER, response=dict)
def unit_by_scan(request: HttpRequest, scan: str, product: str | None = None) -> dict[str, Any]:
    """The unit a scanned label names (GS1 DataMatrix text, `(01)…(21)…`, a Digital Link URL, or
    a plain serial); `scan` in the answer says where the label contradicts the unit's record."""
    return queries.find_unit(scan, product)


@units.get("/products/{sku}/units/{serial}", auth=VIEWER, response=s.UnitOut)
def unit_of_product(request: HttpRequest, sku: str, serial: str) -> dict[str, Any]:
    return queries.find_unit(serial, sku)


@units.get("/products/{sku}/units/{serial}/history", auth=VIEWER, response=s.HistoryOut)
def unit_history(request: HttpRequest, sku: str, serial: str) -> dict[str, Any]:
    return queries.unit_history(serial, sku)


@units.get("/products/{sku}/units/{serial}/warranty", auth=VIEWER, response=dict)
def unit_warranty(request: HttpRequest, sku: str, serial: str) -> dict[str, Any]:
    return queries.warranty(serial, sku)


@units.get("/history/{serial}", auth=VIEWER, response=s.HistoryOut)
def history(request: HttpRequest, serial: str, product: str | None = None,
            at: str | None = None) -> dict[str, Any]:
    """History by serial alone (refused, listing the products, if two products have it).
    `at` (a date: the end of that day, or an ISO 8601 timestamp): where the unit was then, and
    its history up to then."""
    return queries.unit_history(serial, product, at)


@units.get("/warranty/{serial}", auth=VIEWER, response=dict)
def warranty(request: HttpRequest, serial: str, product: str | None = None) -> dict[str, Any]:
    return queries.warranty(serial, product)


# -- stock reports --------------------------------------------------------------------------------

reports = Router(tags=["stock"])


@reports.get("/stock", auth=VIEWER, response=dict)
def stock(request: HttpRequest, warehouse: str | None = None, product: str | None = None,
          at: str | None = None) -> dict[str, Any]:
    """Stock on hand; `at`: as it was at that moment (a date: the end of that day, or an ISO
    8601 timestamp), read from the ledger."""
    if at:
        return money.stock_at(at, warehouse, product)
    return {"units": queries.stock_on_hand(warehouse, product),
            "quantities": queries.quantities_on_hand(warehouse, product)}


@reports.get("/expiring", auth=VIEWER, response=dict)
def expiring(request: HttpRequest, days: int = 30, warehouse: str | None = None,
             product: str | None = None) -> dict[str, Any]:
    """Units and lot quantities in storage whose lot expires within `days` (or has expired)."""
    return queries.expiring(days, warehouse, product)


@reports.get("/genuine/probes", auth=MANAGER, response=list[dict])
def genuine_probes(request: HttpRequest, limit: int = 100) -> list[dict[str, Any]]:
    """Serials asked about in failed genuineness checks, most failures first."""
    from serialtrack.queries.genuine import probes

    return probes(max(1, min(limit, 1000)))


@reports.get("/reports/valuation", auth=VIEWER, response=dict)
def valuation(request: HttpRequest, at: str | None = None, warehouse: str | None = None,
              product: str | None = None) -> dict[str, Any]:
    """Stock value by warehouse, product and lot, now or at `at`; amounts are exact decimal
    strings in `currency`."""
    return money.valuation(at, warehouse, product)


@reports.get("/reports/cogs", auth=VIEWER, response=dict)
def cogs(request: HttpRequest, date_from: str = Query(..., alias="from"),
         date_to: str = Query(..., alias="to"), customer: str | None = None,
         product: str | None = None) -> dict[str, Any]:
    """Cost of goods sold from the start of `from` to the end of `to` (dates): each document
    line, the totals by customer and product, and the total."""
    return money.cogs(date_from, date_to, customer, product)


@reports.get("/stock/out-of-storage", auth=VIEWER, response=dict)
def out_of_storage(request: HttpRequest, product: str | None = None, holder: str | None = None
                   ) -> dict[str, Any]:
    return {"out_of_storage": queries.out_of_storage(product=product, holder=holder)}


# -- documents: direct postings -----------------------------------------------------------------

documents = Router(tags=["documents"])


def _posting_route(op: operations.Operation) -> None:
    """The route of a declared operation: `POST <api_path>` with its body (and the inputs its
    path names), posted by its entry under the role it needs; 201 with the document."""

    def post(request: HttpRequest, payload: Any, **path: str) -> Status[dict[str, Any]]:
        fields = payload.model_dump()
        return Status(201, _doc(op.post(request.user, **path, **fields)))

    # django-ninja reads a route's inputs from its signature: the request, the path's inputs,
    # the body.
    parameters = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=HttpRequest),
                  *(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=str)
                    for name in op.path_fields),
                  inspect.Parameter("payload", inspect.Parameter.KEYWORD_ONLY,
                                    annotation=op.body)]
    post.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=Status[dict[str, Any]])
    post.__name__ = post.__qualname__ = op.route_name
    post.__doc__ = op.help
    roles = {"clerk": CLERK, "manager": MANAGER}
    documents.post(op.api_path, auth=roles[op.role], response={201: s.DocumentOut})(post)


for _op in operations.declared():
    _posting_route(_op)


@documents.get("/supplier-returns", auth=VIEWER, response=list[dict])
def list_supplier_returns(request: HttpRequest, supplier: str | None = None,
                          awaiting_credit: bool = False) -> list[dict[str, Any]]:
    """Returns to supplier, newest first, with the credit expected, replaced, received and
    still awaited (`awaiting_credit=true`: only those still owed something)."""
    from serialtrack.queries import supplier_returns as report

    return report.supplier_returns(supplier=supplier, awaiting_credit=awaiting_credit)


@documents.get("/documents", auth=VIEWER, response=list[s.DocumentOut])
def list_documents(request: HttpRequest, filters: Query[DocumentFilters], limit: int = 100
                   ) -> list[dict[str, Any]]:
    """Newest first."""
    qs = selected_documents(filters).order_by("-id")
    summaries = queries.document_summaries(qs[: max(1, min(limit, 500))])
    return [{"id": doc_id, **summary} for doc_id, summary in summaries.items()]


@documents.get("/documents/{ref}", auth=VIEWER, response=s.DocumentOut)
def get_document(request: HttpRequest, ref: str) -> dict[str, Any]:
    """By number (`SHP-000012`) or id; with the serials of each line."""
    # an id is ASCII digits within the key range ('²6' is a digit string to Python, not an id)
    doc = (Document.objects.filter(pk=int(ref)).first()
           if ref.isascii() and ref.isdigit() and int(ref) < 2**63 else None)
    doc = doc or catalog.get_document(ref)
    return _doc(doc, with_serials=True)


# -- drafts ------------------------------------------------------------------------------------------


def _draft_role(request: HttpRequest, kind: str, operation: str = "") -> None:
    """A draft needs the role of the same direct posting: manager for write-offs and repairs."""
    from serialtrack.accounts.roles import has_role

    needed = drafts.role_needed(kind, operation)
    if not has_role(request.user, needed):
        raise Forbidden(f"this needs the {needed} role")


def _open_draft(request: HttpRequest, draft_id: int) -> Any:
    doc = drafts.get_draft(draft_id)
    _draft_role(request, doc.kind, doc.draft.operation)
    return doc


@documents.post("/drafts", auth=CLERK, response={201: s.DraftOut})
def create_draft(request: HttpRequest, payload: s.DraftIn) -> Status[dict[str, Any]]:
    """Open a draft (one product), then add scans one at a time or in bulk, then post it.
    Adjustment and repair drafts name their operation; write-offs and repairs need the manager
    role."""
    _draft_role(request, payload.kind, payload.operation)
    doc = drafts.create_draft(user=request.user, **payload.model_dump())
    return Status(201, drafts.draft_summary(doc))


@documents.get("/drafts/{draft_id}", auth=VIEWER, response=s.DraftOut)
def get_draft(request: HttpRequest, draft_id: int) -> dict[str, Any]:
    return drafts.draft_summary(drafts.get_draft(draft_id))


@documents.post("/drafts/{draft_id}/serials", auth=CLERK, response=s.DraftOut)
def add_scans(request: HttpRequest, draft_id: int, payload: s.ScansIn) -> HttpResponse:
    """Add scans; each gets its verdict (accepted, or refused and why — refused ones are not
    kept)."""
    doc = _open_draft(request, draft_id)
    verdicts = drafts.add_scans(draft_id, payload.serials, request.user, payload.disposition,
                                doc=doc, manufacturer_serials=payload.manufacturer_serials)
    summary = drafts.draft_summary(doc)
    summary["verdicts"] = [v.__dict__ for v in verdicts]
    return json_response(summary)  # the scan's answer, not checked again: fastpath.py


@documents.delete("/drafts/{draft_id}/serials/{serial}", auth=CLERK, response=s.DraftOut)
def remove_scan(request: HttpRequest, draft_id: int, serial: str) -> dict[str, Any]:
    _open_draft(request, draft_id)
    drafts.remove_scan(draft_id, serial)
    return drafts.draft_summary(drafts.get_draft(draft_id))


@documents.delete("/drafts/{draft_id}", auth=CLERK, response=dict)
def discard_draft(request: HttpRequest, draft_id: int) -> dict[str, Any]:
    """Throw a draft and its scans away (posted documents are never deleted)."""
    _open_draft(request, draft_id)
    drafts.discard_draft(draft_id)
    return {"discarded": draft_id}


@documents.post("/drafts/{draft_id}/post", auth=CLERK, response={201: s.DocumentOut})
def post_draft(request: HttpRequest, draft_id: int) -> Status[dict[str, Any]]:
    _open_draft(request, draft_id)
    return Status(201, _doc(drafts.post_draft(draft_id, request.user)))


# -- users and tokens ---------------------------------------------------------------------------------

accounts = Router(tags=["users"])


@accounts.get("/users", auth=ADMIN, response=list[dict])
def list_users(request: HttpRequest) -> list[dict[str, Any]]:
    from serialtrack.accounts.services import list_users as users

    return users()


@accounts.post("/users", auth=ADMIN, response={201: dict})
def add_user(request: HttpRequest, payload: s.UserIn) -> Status[dict[str, Any]]:
    """Create a user; a generated password is returned once."""
    from serialtrack.accounts.services import create_user

    user, password = create_user(payload.username, payload.role, payload.password)
    return Status(201, {"username": user.username, "role": payload.role, "password": password})


@accounts.post("/tokens", auth=ADMIN, response={201: dict})
def add_token(request: HttpRequest, payload: s.TokenIn) -> Status[dict[str, Any]]:
    """Create a personal API token; the token is shown in this response only."""
    from serialtrack.accounts.services import create_token

    token, raw = create_token(payload.username, payload.name, payload.expires_days)
    return Status(201, {"id": token.pk, "username": payload.username, "token": raw,
                        "expires_at": token.expires_at})


@accounts.delete("/tokens/{token_id}", auth=ADMIN, response=dict)
def revoke_token(request: HttpRequest, token_id: int) -> dict[str, Any]:
    from serialtrack.accounts.services import revoke_token as revoke

    token = revoke(token_id)
    return {"id": token.pk, "revoked_at": token.revoked_at}


for router in (system, catalog_router, units, reports, documents, accounts):
    api.add_router("", router)

# The label sheets', the orders', the supplier returns' (the report, credits, packing slips)
# and the recalls' read routes live beside their code; importing them here registers every
# route whenever the API is (the URL map, the schema, the authorization test).
from serialtrack.api import (  # noqa: E402, F401
    labels,
    orders,
    recalls,
    service_cases,
    supplier_returns,
)

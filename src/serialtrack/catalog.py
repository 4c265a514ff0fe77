"""Master data: products, warehouses and bins, parties. Lookups by the codes people type."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from serialtrack.errors import (
    InvalidInput,
    NotFound,
    Problem,
    TrackingLocked,
    refuse,
)
from serialtrack.inventory.models import (
    DEFAULT_BIN,
    Document,
    Location,
    Party,
    Product,
    StockQuantity,
    Tracking,
    Unit,
    Warehouse,
)
from serialtrack.serials import render, serial_problem, template_problem


def gtin_problem(gtin: str) -> Problem | None:
    if not re.fullmatch(r"\d{8}|\d{12}|\d{13}|\d{14}", gtin):
        return Problem("invalid_gtin", f"GTIN {gtin!r} must be 8, 12, 13 or 14 digits", field="gtin")
    digits = [int(c) for c in gtin]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    expected = (10 - total % 10) % 10
    if expected != check:
        return Problem("invalid_gtin", f"GTIN {gtin!r} has check digit {check}, expected {expected}",
                       field="gtin")
    return None


def normalize_gtin(gtin: str) -> str:
    """GTIN-8/12/13/14 -> the 14-digit form a GS1 (01) element carries."""
    return gtin.zfill(14)


def _product_problems(sku: str, tracking: str, *, serial_pattern: str, warranty_days: int,
                      gtin: str | None, serial_template: str) -> tuple[list[Problem], str | None]:
    """What is wrong with a product's fields (`sku` is the product's own, for the GTIN check),
    and its GTIN in the 14-digit form."""
    problems: list[Problem] = []
    if tracking not in Tracking.values:
        problems.append(Problem("invalid", f"tracking {tracking!r} is not one of "
                                f"{', '.join(Tracking.values)}", field="tracking"))
    if serial_pattern:
        problems.extend(pattern_problems(serial_pattern))
        if tracking != Tracking.SERIAL:
            problems.append(Problem("invalid", "a serial pattern needs --tracking serial",
                                    field="serial_pattern"))
    if serial_template:
        bad_template = template_problem(serial_template)
        if bad_template:
            problems.append(bad_template)
        if tracking != Tracking.SERIAL:
            problems.append(Problem("invalid", "a serial template needs --tracking serial",
                                    field="serial_template"))
    if warranty_days < 0:
        problems.append(Problem("invalid", "warranty days cannot be negative", field="warranty_days"))
    if gtin:
        gtin = gtin.strip()
        bad = gtin_problem(gtin)
        if bad:
            problems.append(bad)
        else:
            gtin = normalize_gtin(gtin)
            other = Product.objects.filter(gtin=gtin).exclude(sku=sku).first()
            if other:
                problems.append(Problem("duplicate", f"GTIN {gtin} already belongs to {other.sku}",
                                        field="gtin"))
    return problems, gtin or None


def pattern_problems(serial_pattern: str) -> list[Problem]:
    try:
        re.compile(serial_pattern)
    except re.error as exc:
        return [Problem("invalid", f"serial pattern {serial_pattern!r}: {exc}",
                        field="serial_pattern")]
    return []


def create_product(
    sku: str,
    name: str,
    tracking: str,
    *,
    serial_pattern: str = "",
    warranty_days: int = 0,
    gtin: str | None = None,
    serial_template: str = "",
    unicode_serials: bool = False,
) -> Product:
    sku = sku.strip()
    problems: list[Problem] = []
    if not sku:
        problems.append(Problem("invalid", "SKU is empty", field="sku"))
    elif Product.objects.filter(sku=sku).exists():
        problems.append(Problem("duplicate", f"product {sku!r} already exists", field="sku"))
    more, gtin = _product_problems(sku, tracking, serial_pattern=serial_pattern,
                                   warranty_days=warranty_days, gtin=gtin,
                                   serial_template=serial_template)
    refuse(problems + more)
    return Product.objects.create(
        sku=sku, name=name.strip() or sku, tracking=tracking, serial_pattern=serial_pattern,
        warranty_days=warranty_days, gtin=gtin, serial_template=serial_template,
        unicode_serials=unicode_serials,
    )


def set_tracking(sku: str, tracking: str) -> Product:
    """Tracking mode is a one-way door (DESIGN invariant 8): a product becomes serial-tracked only
    with no stock on hand, and once it has serialized units it stays serial-tracked."""
    if tracking not in Tracking.values:
        raise InvalidInput([Problem("invalid", f"tracking {tracking!r} is not one of "
                                    f"{', '.join(Tracking.values)}", field="tracking")])
    with transaction.atomic():
        product = get_product(sku)
        if product.tracking == tracking:
            return product
        if product.tracking == Tracking.SERIAL and Unit.objects.filter(product=product).exists():
            raise TrackingLocked([Problem(
                "tracking_locked",
                f"product {sku!r} has serialized units; it must stay serial-tracked",
                field="tracking")])
        if tracking == Tracking.SERIAL and StockQuantity.objects.filter(
            product=product, quantity__gt=0
        ).exists():
            raise TrackingLocked([Problem(
                "tracking_locked",
                f"product {sku!r} has stock on hand; it can become serial-tracked only at zero stock",
                field="tracking")])
        product.tracking = tracking
        product.save(update_fields=["tracking"])
        return product


def update_product(
    sku: str,
    *,
    name: str,
    tracking: str,
    serial_pattern: str = "",
    warranty_days: int = 0,
    gtin: str | None = None,
    serial_template: str = "",
    unicode_serials: bool = False,
) -> Product:
    """Change a product's fields, all or nothing. A change of tracking mode goes through
    `set_tracking` (the one-way door); the pattern and template are checked against the new
    mode, with the same rules and messages as `create_product`. A new pattern applies to serials
    received from now on (units already stored keep theirs)."""
    with transaction.atomic():
        product = set_tracking(sku, tracking)
        problems, gtin = _product_problems(product.sku, tracking, serial_pattern=serial_pattern,
                                           warranty_days=warranty_days, gtin=gtin,
                                           serial_template=serial_template)
        refuse(problems)
        product.name = name.strip() or product.sku
        product.serial_pattern = serial_pattern
        product.serial_template = serial_template
        product.warranty_days = warranty_days
        product.gtin = gtin
        product.unicode_serials = unicode_serials
        product.save(update_fields=["name", "serial_pattern", "serial_template", "warranty_days",
                                    "gtin", "unicode_serials"])
        return product


PRODUCT_CHANGES = ("name", "tracking", "serial_pattern", "warranty_days", "gtin",
                   "serial_template", "unicode_serials")


def _refuse_unknown_fields(what: str, changes: dict[str, Any], known: tuple[str, ...]) -> None:
    unknown = sorted(set(changes) - set(known))
    if unknown:
        raise InvalidInput([Problem("invalid", f"{what} has no field {name!r}", field=name)
                            for name in unknown])


def change_product(sku: str, **changes: Any) -> Product:
    """Change only the fields given (`PRODUCT_CHANGES`; the CLI's `product update`, the API's
    PATCH), the others kept as they are: `update_product` with the product's own values
    filled in, so the same rules and messages as the set-up form (an empty GTIN clears it)."""
    _refuse_unknown_fields("a product", changes, PRODUCT_CHANGES)
    product = get_product(sku)
    current = {name: getattr(product, name) for name in PRODUCT_CHANGES}
    return update_product(product.sku, **{**current, **changes})


def try_pattern(serial_pattern: str, samples: list[str], *, unicode_serials: bool = False,
                sku: str = "SKU") -> tuple[list[Problem], list[tuple[str, Problem | None]]]:
    """A pattern's own problems, else each sample serial judged as a new serial of a product
    with that pattern would be (the serial policy of `serials.serial_problem`)."""
    problems = pattern_problems(serial_pattern) if serial_pattern else []
    if problems:
        return problems, []
    compiled = re.compile(serial_pattern) if serial_pattern else None
    product = Product(sku=sku or "SKU", serial_pattern=serial_pattern,
                      unicode_serials=unicode_serials)
    verdicts: list[tuple[str, Problem | None]] = []
    for sample in samples:
        serial, problem = serial_problem(sample, compiled, product=product)
        verdicts.append((serial, problem))
    return [], verdicts


def preview_template(serial_template: str, sku: str = "SKU", count: int = 5
                     ) -> tuple[Problem | None, list[str]]:
    """The first serials a template gives (its sequence from 1; a saved product's next ones are
    `posting.generated.preview`'s)."""
    bad = template_problem(serial_template)
    if bad:
        return bad, []
    day = timezone.localdate()
    return None, [render(serial_template, n, day, sku or "SKU") for n in range(1, count + 1)]


def create_warehouse(code: str, name: str = "") -> Warehouse:
    code = code.strip()
    if not code or "/" in code:
        raise InvalidInput([Problem("invalid", f"warehouse code {code!r} must be non-empty "
                                    "without '/'", field="code")])
    with transaction.atomic():
        if Warehouse.objects.filter(code=code).exists():
            raise InvalidInput([Problem("duplicate", f"warehouse {code!r} already exists",
                                        field="code")])
        warehouse = Warehouse.objects.create(code=code, name=name or code)
        Location.objects.create(warehouse=warehouse, code=DEFAULT_BIN, is_default=True)
    return warehouse


def create_bin(warehouse_code: str, bin_code: str) -> Location:
    bin_code = bin_code.strip()
    warehouse = get_warehouse(warehouse_code)
    if not bin_code or "/" in bin_code:
        raise InvalidInput([Problem("invalid", f"bin code {bin_code!r} must be non-empty "
                                    "without '/'", field="bin")])
    if Location.objects.filter(warehouse=warehouse, code=bin_code).exists():
        raise InvalidInput([Problem("duplicate", f"bin {warehouse.code}/{bin_code} already exists",
                                    field="bin")])
    return Location.objects.create(warehouse=warehouse, code=bin_code)


PARTY_FIELDS = {"contact": 200, "email": 254, "phone": 50, "address": 500}


def _party_problems(details: dict[str, str]) -> list[Problem]:
    problems = []
    for field, limit in PARTY_FIELDS.items():
        if len(details.get(field, "")) > limit:
            problems.append(Problem("invalid", f"{field} is longer than {limit} characters",
                                    field=field))
    email = details.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(Problem("invalid", f"e-mail {email!r} is not an e-mail address",
                                    field="email"))
    return problems


def create_party(name: str, *, customer: bool = False, supplier: bool = False,
                 contact: str = "", email: str = "", phone: str = "", address: str = "") -> Party:
    """A customer and/or supplier (a customer when neither is given). A name that exists gains
    the roles given, and the contact details given (those left empty stay as they were)."""
    name = name.strip()
    details = {k: v.strip() for k, v in
               (("contact", contact), ("email", email), ("phone", phone), ("address", address))}
    problems = _party_problems(details)
    if not name:
        problems.insert(0, Problem("invalid", "party name is empty", field="name"))
    elif len(name) > 200:
        problems.insert(0, Problem("invalid", "party name is longer than 200 characters",
                                   field="name"))
    refuse(problems)
    if not (customer or supplier):
        customer = True
    given = {k: v for k, v in details.items() if v}
    party, created = Party.objects.get_or_create(
        name=name, defaults={"is_customer": customer, "is_supplier": supplier, **given}
    )
    if not created:
        party.is_customer |= customer
        party.is_supplier |= supplier
        for key, value in given.items():
            setattr(party, key, value)
        party.save(update_fields=["is_customer", "is_supplier", *given])
    return party


def update_party(name: str, *, customer: bool, supplier: bool, contact: str = "",
                 email: str = "", phone: str = "", address: str = "") -> Party:
    """Set a party's roles and contact details (an empty one is cleared). A party is a customer,
    a supplier or both."""
    party = get_party_named(name)
    details = {k: v.strip() for k, v in
               (("contact", contact), ("email", email), ("phone", phone), ("address", address))}
    problems = _party_problems(details)
    if not (customer or supplier):
        problems.append(Problem("invalid", f"{party.name!r} must stay a customer, a supplier or "
                                "both", field="customer"))
    refuse(problems)
    party.is_customer, party.is_supplier = customer, supplier
    for key, value in details.items():
        setattr(party, key, value)
    party.save(update_fields=["is_customer", "is_supplier", *details])
    return party


PARTY_CHANGES = ("customer", "supplier", *PARTY_FIELDS)


def change_party(name: str, **changes: Any) -> Party:
    """Change only the roles and contact details given (`PARTY_CHANGES`; the CLI's `party
    update`, the API's PATCH), the others kept: `update_party` with the party's own values
    filled in, so the same rules and messages as the set-up form (an empty detail clears it)."""
    _refuse_unknown_fields("a party", changes, PARTY_CHANGES)
    party = get_party_named(name)
    current: dict[str, Any] = {"customer": party.is_customer, "supplier": party.is_supplier,
                               **{field: getattr(party, field) for field in PARTY_FIELDS}}
    return update_party(party.name, **{**current, **changes})


# -- lookups -----------------------------------------------------------------------------------

def get_product(sku: str, field: str = "product") -> Product:
    product = Product.objects.filter(sku=sku.strip()).first()
    if product is None:
        raise NotFound([Problem("not_found", f"unknown product {sku!r}", field=field)])
    return product


def get_warehouse(code: str) -> Warehouse:
    warehouse = Warehouse.objects.filter(code=code.strip()).first()
    if warehouse is None:
        raise NotFound([Problem("not_found", f"unknown warehouse {code!r}", field="warehouse")])
    return warehouse


def get_location(ref: str, field: str = "warehouse") -> Location:
    """`CODE` -> the warehouse's default bin; `CODE/BIN` -> that bin."""
    code, _, bin_code = ref.strip().partition("/")
    qs = Location.objects.select_related("warehouse").filter(warehouse__code=code)
    location = (qs.filter(code=bin_code) if bin_code else qs.filter(is_default=True)).first()
    if location is None:
        if not Warehouse.objects.filter(code=code).exists():
            raise NotFound([Problem("not_found", f"unknown warehouse {code!r}", field=field)])
        raise NotFound([Problem("not_found", f"unknown bin {ref!r}", field=field)])
    return location


def get_party(name: str, role: str) -> Party:
    """`role` is "customer" or "supplier"; a party of the other role only is refused."""
    party = Party.objects.filter(name=name.strip()).first()
    if party is None:
        raise NotFound([Problem("not_found", f"unknown {role} {name!r}", field=role)])
    if not getattr(party, f"is_{role}"):
        raise InvalidInput([Problem("invalid", f"{name!r} is not a {role}", field=role)])
    return party


def get_party_named(name: str) -> Party:
    party = Party.objects.filter(name=name.strip()).first()
    if party is None:
        raise NotFound([Problem("not_found", f"unknown party {name!r}", field="name")])
    return party


def get_document(number: str, field: str = "document") -> Document:
    doc = Document.objects.filter(number=number.strip()).first()
    if doc is None:
        raise NotFound([Problem("not_found", f"unknown document {number!r}", field=field)])
    return doc

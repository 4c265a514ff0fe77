"""The mechanics every document kind shares: one transaction per document, a staging table for
serial lists, locked reads in a stable order, set-based ledger and unit writes, gap-free numbers.

Hot paths write through the database cursor (executemany / COPY, INSERT … SELECT); the ORM is used
for the handful of header rows (document, line, lot)."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from serialtrack.errors import Conflict, InvalidInput, Problem
from serialtrack.inventory.models import (
    DOCUMENT_PREFIX,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    Location,
    Lot,
    Product,
    Unit,
)

UNIT = "inventory_unit"
MOVEMENT = "inventory_movement"
MOVEMENT_COLUMNS = (
    "document_id, line_id, unit_id, product_id, lot_id, quantity, from_location_id, "
    "to_location_id, from_status, to_status, from_party_id, to_party_id, cost, created_at, "
    "user_id, note, value"
)
KEEP = object()
P = ParamSpec("P")
R = TypeVar("R")  # "leave this column as it is" in a unit move


def system_user(username: str):
    """The user a posting is recorded under (created on first use, cannot log in)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@dataclass
class LockedUnit:
    id: int
    serial: str
    status: str
    location_id: int | None
    warehouse_id: int | None
    holder_id: int | None
    last_number: str | None
    last_posted_at: dt.datetime | str | None
    product_id: int
    pos: int
    place: str | None  # "WH1/A-01" while in storage
    holder: str | None  # party name while out of storage


class Posting:
    """One document being posted: created by `posting()`, inside its transaction."""

    def __init__(self, kind: str, user: Any, started_at: dt.datetime) -> None:
        self.kind = kind
        self.user = user
        self.started_at = started_at
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.cursor = connection.cursor()
        self.pg = connection.vendor == "postgresql"
        self.ops = connection.ops
        self.document: Document | None = None
        self._line_no = 0
        # Per (bin, product, status): how many units this posting put in (+) or took out (-),
        # applied once before commit (`posting.ledger`), and what runs then.
        self.tally: dict[tuple[int, int, str], int] = {}
        self.before_commit: list[Callable[[], None]] = []

    # -- values for raw SQL -------------------------------------------------------------------
    def ts(self, value: dt.datetime | None = None) -> Any:
        return self.ops.adapt_datetimefield_value(value or self.now)

    def date(self, value: dt.date | None) -> Any:
        return self.ops.adapt_datefield_value(value)

    def money(self, value: Decimal | None) -> Any:
        return self.ops.adapt_decimalfield_value(value, 14, 4) if value is not None else None

    # -- header rows ----------------------------------------------------------------------------
    def open_document(self, **fields: Any) -> Document:
        """The document being posted: a new one, or the draft being posted (`into_draft`)."""
        draft = _into_draft.get()
        if draft is not None and draft.kind == self.kind:
            for name, value in fields.items():
                setattr(draft, name, value)
            draft.save(update_fields=list(fields))
            self.document = draft
            return draft
        self.document = Document.objects.create(
            kind=self.kind, status=DocumentStatus.DRAFT, created_by=self.user, **fields
        )
        return self.document

    def add_line(self, product: Product, quantity: int, **fields: Any) -> DocumentLine:
        assert self.document is not None
        self._line_no += 1
        return DocumentLine.objects.create(
            document=self.document, line_no=self._line_no, product=product, quantity=quantity,
            **fields,
        )

    def finish(self) -> Document:
        """Give the document its number and mark it posted. Runs last, so the per-kind counter
        row is locked only for the moment before commit."""
        doc = self.document
        assert doc is not None
        prefix = DOCUMENT_PREFIX[DocumentKind(self.kind)]
        self.cursor.execute(
            "INSERT INTO inventory_counter (name, value) VALUES (%s, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = inventory_counter.value + 1 RETURNING value",
            [f"document:{self.kind}"],
        )
        (value,) = self.cursor.fetchone()
        doc.number = f"{prefix}-{value:06d}"
        doc.status = DocumentStatus.POSTED
        doc.posted_by = self.user
        doc.posted_at = timezone.now()
        doc.save(update_fields=["number", "status", "posted_by", "posted_at"])
        return doc

    # -- staging --------------------------------------------------------------------------------
    def stage_serials(self, serials: Sequence[str],
                      makers: Sequence[str | None] | None = None) -> None:
        """Load a serial list into the session's temporary table `st_serials(pos, serial, mfr)`;
        `makers`, when given, are the units' manufacturer serials, position by position (else
        `mfr` stays NULL and the load is the plain two-column one)."""
        self._temp_table("st_serials", "pos integer NOT NULL, serial varchar(128) NOT NULL, "
                         "mfr varchar(128)")
        if makers is None:
            self._load("st_serials", ("pos", "serial"), enumerate(serials))
        else:
            self._load("st_serials", ("pos", "serial", "mfr"),
                       ((pos, serial, mfr) for pos, (serial, mfr)
                        in enumerate(zip(serials, makers, strict=True))))

    def stage_units(self, rows: Iterable[tuple[int, int]]) -> None:
        """Load `(pos, unit_id)` pairs into `st_units`: the units a move applies to."""
        self._temp_table("st_units", "pos integer NOT NULL, unit_id bigint NOT NULL")
        self._load("st_units", ("pos", "unit_id"), rows)

    def stage_units_of(self, document: Document) -> None:
        """Stage every unit `document` moved (in ledger order)."""
        self._temp_table("st_units", "pos integer NOT NULL, unit_id bigint NOT NULL")
        self.cursor.execute(
            f"INSERT INTO st_units (pos, unit_id) SELECT m.id, m.unit_id FROM {MOVEMENT} m "
            "WHERE m.document_id = %s AND m.unit_id IS NOT NULL", [document.pk])

    def stage_units_where(self, condition: str, params: Sequence[Any],
                          source: str = f"{UNIT} u") -> int:
        """Stage the units `SELECT u.id FROM {source} WHERE {condition}` finds, set-based (a
        lot, a recall's selection); returns how many."""
        self._temp_table("st_units", "pos integer NOT NULL, unit_id bigint NOT NULL")
        self.cursor.execute(
            f"INSERT INTO st_units (pos, unit_id) SELECT u.id, u.id FROM {source} "
            f"WHERE {condition}", list(params))
        count = self.cursor.rowcount
        self.cursor.execute("ANALYZE st_units")  # as `bulk_load`: the planner sees its size
        return count

    def _temp_table(self, name: str, columns: str) -> None:
        self.cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns})")
        self.cursor.execute(f"TRUNCATE {name}" if self.pg else f"DELETE FROM {name}")

    def _load(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
        bulk_load(self.cursor, table, columns, rows)

    # -- units ----------------------------------------------------------------------------------
    def resolve_staged_serials(self, product: Product) -> tuple[list[tuple[int, int]], list[str]]:
        """Map staged serials of `product` to `(pos, unit id)`; also return the unknown ones."""
        self.cursor.execute(
            f"SELECT s.pos, s.serial, u.id FROM st_serials s LEFT JOIN {UNIT} u "
            "ON u.product_id = %s AND u.serial = s.serial ORDER BY s.pos",
            [product.pk],
        )
        found: list[tuple[int, int]] = []
        unknown: list[str] = []
        for pos, serial, unit_id in self.cursor.fetchall():
            if unit_id is None:
                unknown.append(serial)
            else:
                found.append((pos, unit_id))
        return found, unknown

    def lock_units(self) -> list[LockedUnit]:
        """Lock the staged units in id order (never deadlocks against another posting doing the
        same) and return their current state."""
        if self.pg:
            # Lock first, read second: a row lock waited for re-reads the unit row but not the
            # rows joined to it, so the state (and who last moved it) is read by a new statement
            # after every lock is held. SQLite needs neither: BEGIN IMMEDIATE already serializes.
            self.cursor.execute(
                f"SELECT u.id FROM st_units s JOIN {UNIT} u ON u.id = s.unit_id "
                "ORDER BY u.id FOR UPDATE OF u"
            )
        self.cursor.execute(
            "SELECT u.id, u.serial, u.status, u.location_id, l.warehouse_id, u.holder_id, "
            "d.number, d.posted_at, u.product_id, s.pos, w.code || '/' || l.code, h.name "
            f"FROM st_units s JOIN {UNIT} u ON u.id = s.unit_id "
            "LEFT JOIN inventory_location l ON l.id = u.location_id "
            "LEFT JOIN inventory_warehouse w ON w.id = l.warehouse_id "
            "LEFT JOIN inventory_party h ON h.id = u.holder_id "
            "LEFT JOIN inventory_document d ON d.id = u.last_document_id"
        )
        rows = [LockedUnit(*row) for row in self.cursor.fetchall()]
        rows.sort(key=lambda r: r.pos)
        return rows

    def lock_staged(self, status: str) -> int:
        """Lock the staged units (PostgreSQL: in id order, like `lock_units`; SQLite's
        `BEGIN IMMEDIATE` already serializes writers) without reading them into Python, and
        count those no longer of `status` (moved by another posting while this one waited)."""
        if self.pg:
            self.cursor.execute(
                f"SELECT u.id FROM st_units s JOIN {UNIT} u ON u.id = s.unit_id "
                "ORDER BY u.id FOR UPDATE OF u")
        self.cursor.execute(
            f"SELECT COUNT(*) FROM st_units s JOIN {UNIT} u ON u.id = s.unit_id "
            "WHERE u.status <> %s", [status])
        return int(self.cursor.fetchone()[0])

    def is_recent(self, posted_at: dt.datetime | str | None) -> bool:
        """Was a document posted after this posting was asked for (by another clerk)?"""
        if posted_at is None:
            return False
        if isinstance(posted_at, str):
            posted_at = dt.datetime.fromisoformat(posted_at)
        if timezone.is_naive(posted_at):
            posted_at = timezone.make_aware(posted_at, dt.UTC)
        return posted_at >= self.started_at

    def unavailable(self, unit: LockedUnit, why: str, code: str = "not_in_stock") -> Problem:
        """A unit in the wrong state: a conflict if another posting moved it while this one was
        under way, otherwise a plain refusal naming where the unit is."""
        by = f" (last moved by {unit.last_number})" if unit.last_number else ""
        if self.is_recent(unit.last_posted_at):
            return Problem(
                "conflict",
                f"serial {unit.serial!r} was just taken by another posting: it {why}{by}",
                serial=unit.serial,
                extra={"document": unit.last_number},
            )
        return Problem(
            code, f"serial {unit.serial!r} {why}{by}", serial=unit.serial,
            extra={"status": unit.status, "document": unit.last_number},
        )


def bulk_load(cursor: Any, table: str, columns: tuple[str, ...],
              rows: Iterable[tuple[Any, ...]]) -> None:
    """Write many rows into a (temporary) table: COPY on PostgreSQL, executemany on SQLite;
    then ANALYZE it, so the planner knows its size. On SQLite a temporary table without
    statistics is taken for a large one, and a join from it to the unit table on (product,
    serial) then builds a Bloom filter by reading every unit first: about 150 ms at a million
    units for a one-serial posting (docs/benchmarks.md, "The assembly station, and staged lists
    analyzed on SQLite")."""
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["?"] * len(columns))
        cursor.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                  rows)
    cursor.execute(f"ANALYZE {table}")


def location_of(code: str | None) -> tuple[str, str | None]:
    if not code:
        return "", None
    warehouse, _, bin_code = code.partition("/")
    return warehouse.strip(), (bin_code.strip() or None)


def get_lot(product: Product, code: str, expiry: dt.date | None = None) -> Lot:
    """The product's lot `code`, created on first receipt. A lot has one expiry (shipping order
    depends on it): a receipt stating another expiry for a known lot is refused."""
    lot, created = Lot.objects.get_or_create(product=product, code=code,
                                             defaults={"expiry": expiry})
    if not created and expiry and lot.expiry != expiry:
        if lot.expiry is not None:
            raise InvalidInput([Problem(
                "invalid", f"lot {code} of {product.sku} expires {lot.expiry.isoformat()}, "
                f"not {expiry.isoformat()}", field="expiry")])
        lot.expiry = expiry
        lot.save(update_fields=["expiry"])
    return lot


class RaceLost(Exception):
    """The database caught two postings racing (a serial stored meanwhile, a deadlock): the
    whole document is retried; a retry names the units the other posting took."""


_into_draft: contextvars.ContextVar[Document | None] = contextvars.ContextVar(
    "posting_into_draft", default=None)


@contextlib.contextmanager
def into_draft(document: Document) -> Iterator[None]:
    """Post the next document of `document.kind` into this draft row (it keeps its id)."""
    token = _into_draft.set(document)
    try:
        yield
    finally:
        _into_draft.reset(token)


_started_at: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "posting_started_at", default=None)
RETRIES = 4


def retrying(entry: Callable[P, R]) -> Callable[P, R]:
    """Wrap a posting entry: a lost race is retried after a short random backoff, keeping the
    time the clerk first asked, so the retry reports the other posting's units as a conflict.
    An entry called by another (a return of either kind, a draft's posting) runs once: the
    outermost entry retries the whole."""

    @functools.wraps(entry)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if _started_at.get() is not None:
            return entry(*args, **kwargs)
        token = _started_at.set(timezone.now())
        # A retry must see the same input: a streamed serial list is read once, up front.
        for name in ("serials", "manufacturer_serials"):
            serials = kwargs.get(name)
            if serials is not None and not isinstance(serials, (list, tuple)):
                kwargs[name] = list(serials)
        try:
            for attempt in range(RETRIES):
                try:
                    return entry(*args, **kwargs)
                except RaceLost as exc:
                    if attempt == RETRIES - 1:
                        raise Conflict([Problem("conflict", "busy with other postings of the same "
                                                f"units ({exc}); nothing was posted, try again")]
                                       ) from exc
                    time.sleep(random.uniform(0.01, 0.05) * (2**attempt))
            raise AssertionError("unreachable")
        finally:
            _started_at.reset(token)

    return run


@contextlib.contextmanager
def posting(kind: str, user: Any) -> Iterator[Posting]:
    """One document, one transaction. A refusal raised inside rolls everything back. A clash with
    another clerk's concurrent posting that the database detects (unique serial taken meanwhile,
    deadlock, serialization failure) becomes `RaceLost` (retried by `retrying`), never a crash."""
    started_at = _started_at.get() or timezone.now()
    try:
        with transaction.atomic():
            p = Posting(kind, user, started_at)
            yield p
            for hook in p.before_commit:
                hook()
    except IntegrityError as exc:
        if "unique" in str(exc).lower():
            raise RaceLost(_first_line(exc)) from exc
        raise
    except DatabaseError as exc:
        text = str(exc).lower()
        if any(s in text for s in ("deadlock", "could not serialize", "database is locked",
                                   "lock timeout", "could not obtain lock")):
            raise RaceLost(_first_line(exc)) from exc
        raise


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def location_label(location: Location | None) -> str:
    return f"{location.warehouse.code}/{location.code}" if location else ""


# -- shared steps of the document kinds ---------------------------------------------------------

STATE_WORDS = {
    "in_stock": "is in stock",
    "on_hold": "is on hold",
    "in_repair": "is in repair",
    "shipped": "is shipped",
    "returned_to_supplier": "was returned to the supplier",
    "scrapped": "is scrapped",
    "installed": "is installed in an assembly",
    "voided": "was never received (its receipt was reversed)",
}


def where(unit: LockedUnit) -> str:
    """Plain words for where a unit is: 'is on hold at WH1/MAIN', 'is shipped to Acme'."""
    text = STATE_WORDS.get(unit.status, unit.status)
    if unit.place:
        text += f" at {unit.place}"
    elif unit.holder:
        text += f" to {unit.holder}" if unit.status == "shipped" else f" ({unit.holder})"
    return text


def check_units(
    p: Posting,
    units: list[LockedUnit],
    allowed: Any,
    problems: list[Problem],
    code: str = "not_in_stock",
) -> None:
    """`allowed(unit)` returns None when the unit may move, else the reason (appended as a
    problem naming the serial; a conflict when another posting just moved it)."""
    for unit in units:
        why = allowed(unit)
        if why is not None:
            problems.append(p.unavailable(unit, why, code))


OWNERS_NAMED = 1000  # unknown serials of a refusal whose products are looked up


def _owners(serials: Sequence[str]) -> dict[str, list[str]]:
    """The products whose units carry these serials (a refusal names them): index seeks."""
    owners: dict[str, list[str]] = {}
    for serial, sku in (Unit.objects.filter(serial__in=list(serials))
                        .order_by("product__sku").values_list("serial", "product__sku")):
        owners.setdefault(serial, []).append(sku)
    return owners


def take_units(
    p: Posting, product: Product, serials: Sequence[str], problems: list[Problem]
) -> list[LockedUnit]:
    """Stage `serials` of `product`, name the unknown ones, lock the known ones in id order."""
    p.stage_serials(serials)
    found, unknown = p.resolve_staged_serials(product)
    owners = _owners(unknown[:OWNERS_NAMED]) if unknown else {}
    for serial in unknown:
        elsewhere = owners.get(serial)
        whose = f": it is a unit of {', '.join(elsewhere)}" if elsewhere else ""
        problems.append(Problem("not_found", f"serial {serial!r} is not a unit of "
                                f"{product.sku}{whose}", serial=serial))
    p.stage_units(found)
    return p.lock_units()

"""Tables and database constraints. Models hold data and constraints only: every change of stock
goes through `serialtrack.posting`, every report through `serialtrack.queries`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Tracking(models.TextChoices):
    NONE = "none", "plain quantity"
    LOT = "lot", "lot/batch"
    SERIAL = "serial", "serial number"


class UnitStatus(models.TextChoices):
    IN_STOCK = "in_stock", "in stock"
    ON_HOLD = "on_hold", "on hold"
    IN_REPAIR = "in_repair", "in repair"
    SHIPPED = "shipped", "shipped"
    RETURNED_TO_SUPPLIER = "returned_to_supplier", "returned to supplier"
    SCRAPPED = "scrapped", "scrapped"
    INSTALLED = "installed", "installed"
    # A unit whose receipt (or found-stock adjustment) was reversed: it never really arrived.
    # The row stays so its history stays; receiving the serial again brings it back.
    VOIDED = "voided", "voided (receipt reversed)"


IN_STORAGE = (UnitStatus.IN_STOCK, UnitStatus.ON_HOLD, UnitStatus.IN_REPAIR)
OUT_OF_STORAGE = (
    UnitStatus.SHIPPED,
    UnitStatus.RETURNED_TO_SUPPLIER,
    UnitStatus.SCRAPPED,
    UnitStatus.INSTALLED,
)


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", "receipt"
    SHIPMENT = "shipment", "shipment"
    RETURN = "return", "customer return"
    TRANSFER = "transfer", "transfer"
    ADJUSTMENT = "adjustment", "adjustment"
    REPAIR = "repair", "repair"
    ASSEMBLY = "assembly", "assembly"
    REVERSAL = "reversal", "reversal"
    CORRECTION = "correction", "serial correction"
    SUPPLIER_RETURN = "supplier_return", "return to supplier"
    LANDED_COST = "landed_cost", "landed cost"
    RECALL = "recall", "recall"


DOCUMENT_PREFIX = {
    DocumentKind.RECEIPT: "RCV",
    DocumentKind.SHIPMENT: "SHP",
    DocumentKind.RETURN: "RET",
    DocumentKind.TRANSFER: "TRF",
    DocumentKind.ADJUSTMENT: "ADJ",
    DocumentKind.REPAIR: "RPR",
    DocumentKind.ASSEMBLY: "ASM",
    DocumentKind.REVERSAL: "REV",
    DocumentKind.CORRECTION: "COR",
    DocumentKind.SUPPLIER_RETURN: "RTS",
    DocumentKind.LANDED_COST: "LC",
    DocumentKind.RECALL: "RCL",
}


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    POSTED = "posted", "posted"


class Counter(models.Model):
    """Counters incremented in the posting transaction: document numbers per kind (gap-free),
    generated serials per product."""

    name = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)


class GenuineProbe(models.Model):
    """Failed genuineness checks (`serialtrack.genuine`), counted per serial asked about: a
    serial asked about again and again, and never ours, is being probed."""

    product_ref = models.CharField(max_length=128, blank=True, default="")  # SKU or GTIN asked
    serial = models.CharField(max_length=128)
    failures = models.BigIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product_ref", "serial"], name="genuine_probe_unique"),
        ]


class Product(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    tracking = models.CharField(max_length=8, choices=Tracking.choices)
    gtin = models.CharField(max_length=14, null=True, blank=True, unique=True)  # as GTIN-14
    serial_pattern = models.CharField(max_length=500, blank=True, default="")
    # Internal serials for goods that arrive without one, e.g. "LTP-{yyyy}-{seq:06}".
    serial_template = models.CharField(max_length=200, blank=True, default="")
    # New serials beyond printable ASCII (and what the pattern names) are refused unless this is
    # on: the serial policy in serialtrack/serials.py.
    unicode_serials = models.BooleanField(default=False)
    warranty_days = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(tracking__in=["none", "lot", "serial"]), name="product_tracking_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.sku


class Warehouse(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return self.code


DEFAULT_BIN = "MAIN"


class Location(models.Model):
    """A bin inside a warehouse. Every warehouse has one default location (`MAIN`)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(max_length=32)
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="location_code_unique"),
            models.UniqueConstraint(
                fields=["warehouse"], condition=Q(is_default=True), name="location_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}"


class Party(models.Model):
    name = models.CharField(max_length=200, unique=True)
    is_customer = models.BooleanField(default=False)
    is_supplier = models.BooleanField(default=False)
    contact = models.CharField(max_length=200, blank=True, default="")  # the person to ask for
    email = models.CharField(max_length=254, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    address = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        verbose_name_plural = "parties"

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(max_length=128)
    expiry = models.DateField(null=True, blank=True)
    production_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="lot_code_unique"),
        ]

    def __str__(self) -> str:
        return self.code


class Document(models.Model):
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    number = models.CharField(max_length=32, unique=True, null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.PROTECT)
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT)
    # return -> shipment, reversal -> reversed document, repair -> return
    related = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="dependents"
    )
    reason = models.CharField(max_length=500, blank=True, default="")
    reference = models.CharField(max_length=100, blank=True, default="")  # e.g. purchase order
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False, posted_at__isnull=False),
                name="document_posted_has_number",
            ),
        ]
        indexes = [models.Index(fields=["kind", "posted_at"], name="document_kind_posted")]

    def __str__(self) -> str:
        return self.number or f"draft {self.kind} #{self.pk}"


class DocumentLine(models.Model):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField()
    from_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    note = models.CharField(max_length=500, blank=True, default="")
    # the purchase / sales order line a receipt / shipment line delivers against
    order_line = models.ForeignKey("OrderLine", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="deliveries")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "line_no"], name="line_no_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
        ]


class Unit(models.Model):
    """One serialized physical item. The row holds its current state; the ledger its history."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, db_index=False)
    serial = models.CharField(max_length=128)
    # The maker's serial printed on the goods, when the unit also carries an internal serial
    # (generated from the product's template): unique per product, NULL when there is none.
    manufacturer_serial = models.CharField(max_length=128, null=True, blank=True)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(max_length=24, choices=UnitStatus.choices)
    # Indexed by `unit_stock_group` (location first), which replaces the plain FK index.
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT,
                                 db_index=False)
    holder = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    cost = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    received_at = models.DateTimeField()
    warranty_start = models.DateField(null=True, blank=True)
    warranty_end = models.DateField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    attributes = models.JSONField(default=dict, blank=True)
    # The document that last moved the unit: "is it still where document X left it?" is
    # `last_document_id = X`, and a unit moved while a posting waited for its lock is a conflict.
    last_document = models.ForeignKey(
        Document, null=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    moved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "serial"], name="unit_serial_unique"),
            # Also the index of lookups by (product, manufacturer serial).
            models.UniqueConstraint(
                fields=["product", "manufacturer_serial"],
                condition=Q(manufacturer_serial__isnull=False),
                name="unit_mfr_serial_unique",
            ),
            models.CheckConstraint(condition=~Q(serial=""), name="unit_serial_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in UnitStatus]), name="unit_status_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=[s.value for s in IN_STORAGE], location__isnull=False)
                    | (~Q(status__in=[s.value for s in IN_STORAGE]) & Q(location__isnull=True))
                ),
                name="unit_location_iff_in_storage",
            ),
        ]
        indexes = [
            models.Index(fields=["serial"], name="unit_serial"),
            models.Index(fields=["manufacturer_serial"], name="unit_mfr_serial",
                         condition=Q(manufacturer_serial__isnull=False)),
            # the components installed in a unit (an assembly's tree, walked down by parent)
            models.Index(fields=["parent"], name="unit_parent",
                         condition=Q(parent__isnull=False)),
            # Plain composite indexes (SQLite uses no partial index for a bound status), each
            # for one page at size (docs/benchmarks.md, "Web pages at size — after"):
            # the home page's worklists (units on hold, in repair: oldest move first);
            models.Index(fields=["status", "moved_at", "id"], name="unit_status_moved"),
            # a sales order's pick list (in stock, first in first out);
            models.Index(fields=["product", "status", "received_at", "id"],
                         name="unit_product_status_fifo"),
            # the stock report's groups and their first serials; also the FK's index.
            models.Index(fields=["location", "product", "status", "serial"],
                         name="unit_stock_group"),
        ]

    def __str__(self) -> str:
        return self.serial


class UnitCount(models.Model):
    """How many units are in storage per (bin, product, status): kept by `posting.ledger` in
    the posting's transaction as units arrive and move (its only writer), read by the stock
    report instead of counting the units (docs/benchmarks.md, "Stock report counts"). Rows
    whose count went to 0 stay (at 0). No CHECK units >= 0: a CHECK is tested on the row an
    upsert proposes (a negative change) before the conflict turns it into an update."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, db_index=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, db_index=False)
    status = models.CharField(max_length=24, choices=UnitStatus.choices)
    units = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "product", "status"],
                                    name="unit_count_key"),
        ]


class SerialAlias(models.Model):
    """A serial text a unit used to carry before a correction: it stays findable."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="aliases")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, db_index=False)
    serial = models.CharField(max_length=128)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["serial"], name="alias_serial"),
            models.Index(fields=["product", "serial"], name="alias_product_serial"),
        ]


class StockQuantityQuerySet(models.QuerySet):
    def first_expiry_first(self) -> StockQuantityQuerySet:
        """The order stock is taken in when no lot is named: earliest lot expiry first (no
        expiry last), then the oldest lot, then the oldest stock row (first in, first out)."""
        return self.order_by(F("lot__expiry").asc(nulls_last=True), "lot__created_at", "id")

    def unexpired_on(self, day: dt.date) -> StockQuantityQuerySet:
        """Stock usable on `day`: no lot, a lot without expiry, or one expiring `day` or later
        (a subquery, not a join: the rows may be locked FOR UPDATE)."""
        return self.exclude(lot_id__in=Lot.objects.filter(expiry__lt=day).values("id"))


class StockQuantity(models.Model):
    """On-hand quantity of a lot- or quantity-tracked product in one bin, by status: `in_stock`
    (can be picked) or `on_hold` (quarantined where it is: never picked by a shipment or a
    transfer until released)."""

    objects = StockQuantityQuerySet.as_manager()

    product = models.ForeignKey(Product, on_delete=models.PROTECT, db_index=False)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT)
    location = models.ForeignKey(Location, on_delete=models.PROTECT)
    status = models.CharField(max_length=24, default=UnitStatus.IN_STOCK)
    quantity = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "lot", "location", "status"],
                condition=Q(lot__isnull=False),
                name="stockqty_lot_status_unique",
            ),
            models.UniqueConstraint(
                fields=["product", "location", "status"],
                condition=Q(lot__isnull=True),
                name="stockqty_nolot_status_unique",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stockqty_not_negative"),
            models.CheckConstraint(condition=Q(status__in=["in_stock", "on_hold"]),
                                   name="stockqty_status_valid"),
        ]
        indexes = [models.Index(fields=["product", "location"], name="stockqty_product_loc")]


class Movement(models.Model):
    """The ledger: one row per unit (or per quantity of a lot/product) per document.
    Append-only: database triggers refuse UPDATE and DELETE (migration 0002). Its references
    (`db_constraint=False`) are checked on PostgreSQL by statement triggers, set-based — every
    referenced row must exist and is locked, a referenced row cannot be deleted — instead of
    a foreign key's check per row and key (migration 0021); SQLite keeps its foreign keys."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="movements",
                                 db_constraint=False)
    line = models.ForeignKey(
        DocumentLine, null=True, on_delete=models.PROTECT, db_constraint=False, db_index=False,
        related_name="+")
    unit = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT, db_constraint=False,
                             db_index=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, db_constraint=False,
                                db_index=False)
    lot = models.ForeignKey(Lot, null=True, on_delete=models.PROTECT, db_constraint=False,
                            db_index=False)
    quantity = models.BigIntegerField()
    from_location = models.ForeignKey(
        Location, null=True, on_delete=models.PROTECT, db_constraint=False, db_index=False,
        related_name="+")
    to_location = models.ForeignKey(
        Location, null=True, on_delete=models.PROTECT, db_constraint=False, db_index=False,
        related_name="+")
    from_status = models.CharField(max_length=24, null=True)
    to_status = models.CharField(max_length=24, null=True)
    from_party = models.ForeignKey(
        Party, null=True, on_delete=models.PROTECT, db_constraint=False, db_index=False,
        related_name="+")
    to_party = models.ForeignKey(
        Party, null=True, on_delete=models.PROTECT, db_constraint=False, db_index=False,
        related_name="+")
    cost = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    # The value this movement carries, in the business currency (settings.CURRENCY): out of
    # `from_location` and into `to_location` (a unit's cost; the FIFO cost of a quantity taken
    # from its cost layer). A movement that stays in its bin (from = to: hold, release, repair
    # done, rename) carries none, except a landed cost, whose value is what it adds there. A
    # landed cost's part for goods already gone (neither from nor to a bin) is expensed. Stock
    # value at a moment is the sum of these over the ledger up to it (queries/money.py).
    value = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    # The cost layer a quantity movement took its value from (one movement per layer taken).
    layer = models.ForeignKey("CostLayer", null=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, db_index=False, related_name="+")
    created_at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, db_constraint=False,
        db_index=False, related_name="+",
    )
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["unit", "id"], name="movement_unit_history"),
            # A document line's serials in ledger order (the document page).
            models.Index(fields=["line", "id"], name="movement_line"),
            # Goods coming back from a customer, by document (a sales order's margin,
            # queries.money.sales_order_money): without it PostgreSQL scanned the whole ledger.
            # Partial: a receipt's or shipment's rows are not in it.
            models.Index(fields=["document"], name="movement_returned",
                         condition=Q(from_location__isnull=True, from_status="shipped")),
            models.Index(fields=["lot"], name="movement_lot", condition=Q(lot__isnull=False)),
        ]


class CostLayer(models.Model):
    """A first-in-first-out cost layer of a lot or plain product in one bin: a quantity that came
    in together at one cost (a receipt line, found stock, a customer return at the cost it
    shipped at, or the part of a layer a transfer moved). Quantities leave storage oldest layer
    first; `remaining_value` is what is left of its value (exact: taking the last of a layer
    takes all of its value). Serialized units need none: each unit carries its own cost.
    Written by `serialtrack.posting.ledger` only."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, db_index=False,
                                related_name="+")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    # the movement that brought the quantity in (a reversal takes the layer back)
    source = models.ForeignKey(Movement, null=True, on_delete=models.PROTECT, related_name="+")
    # the receipt line the goods first came on (kept through transfers): landed costs find it
    receipt_line = models.ForeignKey(DocumentLine, null=True, on_delete=models.PROTECT,
                                     db_index=False, related_name="+")
    received_quantity = models.BigIntegerField()
    remaining_quantity = models.BigIntegerField()
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    remaining_value = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(remaining_quantity__gte=0)
                                   & Q(remaining_quantity__lte=F("received_quantity")),
                                   name="costlayer_remaining_in_range"),
        ]
        indexes = [
            models.Index(fields=["product", "lot", "location", "received_at", "id"],
                         name="costlayer_fifo", condition=Q(remaining_quantity__gt=0)),
            models.Index(fields=["receipt_line"], name="costlayer_receipt_line"),
        ]


class ValuationEntry(models.Model):
    """The ledger summed per posting: what one document changed in one bin, of one product and
    lot — quantity and value in, less out. Written by `serialtrack.posting.ledger` in the same
    transaction as the movements it sums (it is their total, never edited), so the stock value
    at any moment is one small aggregate of these up to it instead of a scan of every movement
    (queries/money.py; docs/benchmarks.md)."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, db_index=False,
                                 related_name="+")
    created_at = models.DateTimeField()
    location = models.ForeignKey(Location, on_delete=models.PROTECT, db_index=False,
                                 related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, db_index=False,
                                related_name="+")
    lot = models.ForeignKey(Lot, null=True, on_delete=models.PROTECT, db_index=False,
                            related_name="+")
    quantity = models.BigIntegerField()
    value = models.DecimalField(max_digits=20, decimal_places=4, null=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="valuation_entry_time")]


class DraftLine(models.Model):
    """What a draft document will post: filled in scan by scan at a bench or through the API.
    Scratch data: once the draft posts, the document's lines and movements are the record."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="draft")
    product = models.ForeignKey(Product, null=True, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location, null=True, on_delete=models.PROTECT, related_name="+"
    )  # receipt: into; shipment: from; transfer: from; return: into
    destination = models.ForeignKey(
        Location, null=True, on_delete=models.PROTECT, related_name="+"
    )  # transfer: to
    location_ref = models.CharField(max_length=80, blank=True, default="")  # as typed: CODE[/BIN]
    destination_ref = models.CharField(max_length=80, blank=True, default="")
    lot_code = models.CharField(max_length=128, blank=True, default="")
    expiry = models.DateField(null=True)
    cost = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    expected_quantity = models.PositiveIntegerField(null=True)
    disposition = models.CharField(max_length=16, default="restock")
    # adjustment and repair drafts: which posting (hold, release, write_off, repair_start,
    # repair_done); empty for the other kinds, whose kind says it
    operation = models.CharField(max_length=16, blank=True, default="")
    # what the scans are: the units' own serials, or (receipt drafts of a product with a serial
    # template) the makers' serials, each unit then getting a generated serial when it posts
    scans = models.CharField(max_length=24, default="serials")
    # how many scans the draft holds: kept by the database with every scan added or removed
    # (triggers, migration 0008), so a scan into a draft of 100,000 does not count them again
    scanned = models.PositiveIntegerField(default=0)
    # receipt / shipment drafts: the purchase / sales order (number) the draft posts against.
    # Nullable: SQLite then adds the column in place (rebuilding the table would drop the scan
    # count triggers of migration 0008).
    order_ref = models.CharField(max_length=32, null=True, blank=True)
    # assembly drafts: the serial of the unit being built (its scans are its components).
    # Nullable, as `order_ref`.
    assembly_serial = models.CharField(max_length=200, null=True, blank=True)


class DraftSerial(models.Model):
    # no index of its own: the unique (line, serial) index serves every lookup by line, and one
    # index less is one page less written per scan
    line = models.ForeignKey(DraftLine, on_delete=models.CASCADE, related_name="serials",
                             db_index=False)
    serial = models.CharField(max_length=128)
    disposition = models.CharField(max_length=16, blank=True, default="")
    scan = models.TextField(blank=True, default="")  # the GS1 scan it came from (lot, expiry)
    # when it was scanned (the scan log); null for scans kept before migration 0011
    scanned_at = models.DateTimeField(null=True)
    # the maker's serial scanned beside the unit's own (a receipt draft of paired serials)
    manufacturer_serial = models.CharField(max_length=128, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "serial"], name="draft_serial_unique"),
            models.UniqueConstraint(fields=["line", "manufacturer_serial"],
                                    condition=models.Q(manufacturer_serial__isnull=False),
                                    name="draft_maker_serial_unique"),
        ]


# -- orders: what is planned, products and quantities only (serials are committed when goods are
# received or shipped against an order line) --------------------------------------------------

class OrderKind(models.TextChoices):
    PURCHASE = "purchase", "purchase order"
    SALE = "sale", "sales order"


ORDER_PREFIX = {OrderKind.PURCHASE: "PO", OrderKind.SALE: "SO"}


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    OPEN = "open", "open"
    PARTIAL = "partial", "partially received / shipped"
    COMPLETE = "complete", "received / shipped"
    CLOSED = "closed", "closed short"
    CANCELLED = "cancelled", "cancelled"


class Order(models.Model):
    """A purchase order (to a supplier) or a sales order (from a customer). Numbers are gap-free
    per kind (PO-000001, SO-000001). The status follows from the lines after each posting;
    `closed` (short: what was never delivered stays recorded on the lines) and `cancelled` are
    a manager's decisions."""

    kind = models.CharField(max_length=8, choices=OrderKind.choices)
    number = models.CharField(max_length=32, unique=True)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=12, choices=OrderStatus.choices,
                              default=OrderStatus.OPEN)
    expected_date = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")  # why closed / cancelled
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["purchase", "sale"]),
                                   name="order_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in OrderStatus]),
                                   name="order_status_valid"),
        ]
        indexes = [models.Index(fields=["kind", "status"], name="order_kind_status"),
                   models.Index(fields=["party", "kind"], name="order_party_kind")]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """What is ordered of one product. Received (shipped) = the quantities of posted, unreversed
    document lines against it; open = ordered − that, never below zero. `tolerance_percent`
    allows an over-receipt of up to that share of the ordered quantity (rounded down).
    `short_quantity` is what was never delivered when the order was closed short."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    tolerance_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    short_quantity = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_no_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(tolerance_percent__gte=0),
                                   name="order_line_tolerance_not_negative"),
        ]


class SupplierReturnCredit(models.Model):
    """The credit a return to supplier (`supplier_return`) expects from the supplier: the returned
    units' cost unless stated. Written once, when the return posts."""

    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="credit")
    expected = models.DecimalField(max_digits=14, decimal_places=4)


class SupplierCreditReceived(models.Model):
    """A credit (note) the supplier gave against a return to supplier: append-only, one row per
    credit recorded."""

    supplier_return = models.ForeignKey(Document, on_delete=models.PROTECT,
                                        related_name="credits_received")
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    reference = models.CharField(max_length=100, blank=True, default="")  # the credit note's
    recorded_at = models.DateTimeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="supplier_credit_positive"),
        ]


class SupplierReplacement(models.Model):
    """What the supplier sent in place of what went back on a return to supplier: the returned
    unit and the unit received for it (the same unit when the same serial came back), or a
    quantity of a lot/plain product. `value` is the returned goods' cost the replacement
    settles (it is no longer owed as credit). A returned unit is replaced once (unless that
    replacement's receipt is reversed): the posting checks it under the unit's row lock."""

    supplier_return = models.ForeignKey(Document, on_delete=models.PROTECT,
                                        related_name="replacements")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    returned_unit = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT,
                                      related_name="replaced_by")
    unit = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT, related_name="replaces")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, null=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField()
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0),
                                   name="supplier_replacement_quantity_positive"),
        ]


class RecallUnit(models.Model):
    """A unit a recall found (its resolved selection, kept so the report stays the same set):
    `component` is the affected unit installed inside it when it was reached through one."""

    # No database foreign keys here: the rows are written once, set-based, by the posting that
    # creates the recall, from units and a document that are never deleted; checking 100,000 of
    # them at COMMIT (PostgreSQL's deferred constraints) would cost seconds for nothing.
    recall = models.ForeignKey(Document, on_delete=models.DO_NOTHING, related_name="+",
                               db_index=False, db_constraint=False)
    unit = models.ForeignKey(Unit, on_delete=models.DO_NOTHING, related_name="+",
                             db_index=False, db_constraint=False)
    component = models.ForeignKey(Unit, null=True, on_delete=models.DO_NOTHING,
                                  related_name="+", db_index=False, db_constraint=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recall", "unit"], name="recallunit_unique"),
        ]


class RecallLot(models.Model):
    """A lot of a lot-tracked product a recall found: its quantities (on hand, shipped) are
    the recall's lot quantities; `found` is how many were in storage or out with customers
    when the recall was made."""

    # DO_NOTHING: a posted recall is never deleted (the database's foreign key still holds),
    # and deleting a draft document need not look for recall rows.
    recall = models.ForeignKey(Document, on_delete=models.DO_NOTHING, related_name="+",
                               db_index=False)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    found = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recall", "lot"], name="recalllot_unique"),
        ]


class Recall(models.Model):
    """What a recall (document kind `recall`) selected by: its criteria as given."""

    document = models.OneToOneField(Document, on_delete=models.DO_NOTHING,
                                    related_name="recall")
    criteria = models.JSONField(default=dict)


class DraftRefusal(models.Model):
    """A scan the draft refused, with its verdict: kept in the draft's scan log until a clerk
    dismisses it (or the draft posts), so a refusal in a burst of scans is never lost. Scratch
    data like the draft's scans."""

    line = models.ForeignKey(DraftLine, on_delete=models.CASCADE, related_name="refusals")
    serial = models.TextField()  # as scanned (it may break every rule of a serial)
    code = models.CharField(max_length=40, blank=True, default="")
    message = models.TextField(blank=True, default="")
    scanned_at = models.DateTimeField()


# -- service cases (RMA claims): a customer's claim about one unit, worked through the documents
# that carry it out (a customer return, repairs, a replacement shipment). Cases post no stock:
# `serialtrack.service_cases` writes them, `serialtrack.queries.service_cases` reads them. ------

CASE_PREFIX = "RMA"


class CaseStatus(models.TextChoices):
    OPEN = "open", "open"
    CLOSED = "closed", "closed"


class CaseOutcome(models.TextChoices):
    REPAIR = "repair", "repaired"
    REPLACE = "replace", "replaced"
    REFUND = "refund", "refunded"
    REJECT = "reject", "rejected"


class ServiceCase(models.Model):
    """A claim (RMA-000001, gap-free) about one unit, opened by scanning it. What was found when
    it was opened is kept on the case (the flags a service desk acts on): `not_ours` (the scan
    names no unit of ours: `unit` is empty and `serial` is what the label said), the shipment
    that sold it and to whom, `other_customer` (the claimant is not the customer it was sold
    to), and whether it was under warranty that day. One open case per unit."""

    number = models.CharField(max_length=32, unique=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="service_cases")
    scan = models.CharField(max_length=500)  # as scanned (a plain serial, GS1 text, a URL)
    serial = models.CharField(max_length=128)  # the serial the scan carries
    claimant = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="service_cases")
    fault = models.TextField()
    status = models.CharField(max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                  related_name="+")
    not_ours = models.BooleanField(default=False)
    # DO_NOTHING: a posted document is never deleted (the database's foreign key still holds),
    # and deleting a draft document need not look for cases
    sold_on = models.ForeignKey(Document, null=True, blank=True, on_delete=models.DO_NOTHING,
                                related_name="+")
    sold_to = models.ForeignKey(Party, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    other_customer = models.BooleanField(default=False)
    under_warranty = models.BooleanField(default=False)
    warranty_end = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=CaseOutcome.choices, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    # refunds: the credit note / refund as the accounts system knows it (a number, an amount)
    refund = models.CharField(max_length=200, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=Q(status="open"),
                                    name="service_case_one_open_per_unit"),
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]),
                                   name="service_case_status_valid"),
            models.CheckConstraint(
                condition=Q(status="open", outcome="")
                | Q(status="closed", outcome__in=["repair", "replace", "refund", "reject"]),
                name="service_case_closed_has_outcome"),
        ]
        indexes = [models.Index(fields=["unit", "id"], name="service_case_unit"),
                   models.Index(fields=["status", "id"], name="service_case_status")]

    def __str__(self) -> str:
        return self.number


class ServiceCaseNote(models.Model):
    """A note on a case: append-only (the database refuses UPDATE and DELETE, migration 0019)."""

    case = models.ForeignKey(ServiceCase, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField()
    created_at = models.DateTimeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                             related_name="+")


class ServiceCasePhoto(models.Model):
    """A photo attached to a case, stored with Django's default storage under
    SERIALTRACK_MEDIA_DIR (served only to signed-in users, through the case page)."""

    case = models.ForeignKey(ServiceCase, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to="rma/%Y/%m/", max_length=300)
    name = models.CharField(max_length=200)  # as uploaded
    content_type = models.CharField(max_length=40)
    size = models.BigIntegerField()
    uploaded_at = models.DateTimeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                             related_name="+")


class ServiceCaseDocument(models.Model):
    """A document that carried out (part of) a case: a customer return, a repair start / done /
    ship-back / replacement, a shipment of a replacement: posted, and about the case's unit (or
    shipped to the claimant since the case was opened). Linked once, never unlinked."""

    case = models.ForeignKey(ServiceCase, on_delete=models.PROTECT, related_name="documents")
    document = models.ForeignKey(Document, on_delete=models.DO_NOTHING, related_name="+")
    linked_at = models.DateTimeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "document"], name="service_case_doc_unique"),
        ]

"""Tables and database constraints. Models hold data and constraints only: every change of stock
goes through `serialtrack.posting`, every report through `serialtrack.queries`."""

from __future__ import annotations

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
}


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    POSTED = "posted", "posted"


class Counter(models.Model):
    """Counters incremented in the posting transaction: document numbers per kind (gap-free),
    generated serials per product."""

    name = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)


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
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT)
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
        ]

    def __str__(self) -> str:
        return self.serial


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


class StockQuantity(models.Model):
    """On-hand quantity of a lot- or quantity-tracked product in one bin."""

    objects = StockQuantityQuerySet.as_manager()

    product = models.ForeignKey(Product, on_delete=models.PROTECT, db_index=False)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT)
    location = models.ForeignKey(Location, on_delete=models.PROTECT)
    quantity = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "lot", "location"],
                condition=Q(lot__isnull=False),
                name="stockqty_lot_unique",
            ),
            models.UniqueConstraint(
                fields=["product", "location"],
                condition=Q(lot__isnull=True),
                name="stockqty_nolot_unique",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stockqty_not_negative"),
        ]
        indexes = [models.Index(fields=["product", "location"], name="stockqty_product_loc")]


class Movement(models.Model):
    """The ledger: one row per unit (or per quantity of a lot/product) per document.
    Append-only: database triggers refuse UPDATE and DELETE (migration 0002)."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="movements")
    line = models.ForeignKey(
        DocumentLine, null=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    unit = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT, db_index=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, db_index=False)
    lot = models.ForeignKey(Lot, null=True, on_delete=models.PROTECT, db_index=False)
    quantity = models.BigIntegerField()
    from_location = models.ForeignKey(
        Location, null=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    to_location = models.ForeignKey(
        Location, null=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    from_status = models.CharField(max_length=24, null=True)
    to_status = models.CharField(max_length=24, null=True)
    from_party = models.ForeignKey(
        Party, null=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    to_party = models.ForeignKey(
        Party, null=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    cost = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    created_at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, db_index=False,
        related_name="+",
    )
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["unit", "id"], name="movement_unit_history"),
            models.Index(fields=["lot"], name="movement_lot", condition=Q(lot__isnull=False)),
        ]


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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "serial"], name="draft_serial_unique"),
        ]


class DraftRefusal(models.Model):
    """A scan the draft refused, with its verdict: kept in the draft's scan log until a clerk
    dismisses it (or the draft posts), so a refusal in a burst of scans is never lost. Scratch
    data like the draft's scans."""

    line = models.ForeignKey(DraftLine, on_delete=models.CASCADE, related_name="refusals")
    serial = models.TextField()  # as scanned (it may break every rule of a serial)
    code = models.CharField(max_length=40, blank=True, default="")
    message = models.TextField(blank=True, default="")
    scanned_at = models.DateTimeField()

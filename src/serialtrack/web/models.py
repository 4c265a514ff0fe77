"""The web pages' own table: imports run in the background (by a task worker), one row per
uploaded file.

The row holds what a page needs to show the import (who, which file, options), its state and,
once it ends, its outcome: the documents posted, or every bad row. Progress while it runs (rows
read, and when) is written here on PostgreSQL; on SQLite the import holds the one write lock for
its whole transaction, so progress goes to a small file beside the upload (see
`serialtrack.web.jobs`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "checking and posting"
    POSTED = "posted", "posted"
    REFUSED = "refused", "refused: nothing posted"
    FAILED = "failed", "failed"


class ImportJob(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="import_jobs")
    filename = models.CharField(max_length=255)
    supplier = models.CharField(max_length=200, blank=True, default="")
    opening_balance = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    rows_read = models.BigIntegerField(default=0)
    total_rows = models.BigIntegerField(null=True, blank=True)  # estimated from the file
    created_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The outcome: [{"number", "kind", "product", "quantity"}] or [{"line", "field", "serial",
    # "message"}] (at most imports.MAX_LISTED, then one "… and N more" line).
    documents = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["status"], name="web_importjob_status")]

    def __str__(self) -> str:
        return f"import #{self.pk} {self.filename} ({self.status})"

    @property
    def active(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

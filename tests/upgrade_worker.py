"""An upgrade in its own process, on a fresh database: migrate to an earlier schema, leave data
there as that version would have, then migrate to the newest schema."""

from __future__ import annotations

import os
from typing import Any


def drafts_across_the_scan_count(url: str, results: Any) -> None:
    """Drafts opened before the scan count existed (migration 0008) keep their scans and get
    their count; the database keeps counting after the upgrade."""
    os.environ["SERIALTRACK_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "serialtrack.settings"
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("inventory", "0007_draft_operation")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Document, DraftLine, DraftSerial = (old.get_model("inventory", name)
                                        for name in ("Document", "DraftLine", "DraftSerial"))
    counts = {}
    for held in (3, 0):
        line = DraftLine.objects.create(document=Document.objects.create(kind="receipt"))
        DraftSerial.objects.bulk_create(DraftSerial(line=line, serial=f"OLD-{line.pk}-{n}")
                                        for n in range(held))
        counts[line.document_id] = held

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    from serialtrack.posting import drafts

    after = {doc: drafts.get_draft(doc).draft.scanned for doc in counts}
    first = next(iter(counts))
    drafts.remove_scan(first, f"OLD-{drafts.get_draft(first).draft.pk}-0")
    results.put((counts, after, drafts.get_draft(first).draft.scanned))

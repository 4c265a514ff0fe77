"""A clerk in another process: posts one document per round, all clerks released at once."""

from __future__ import annotations

import os
from typing import Any


def clerk(url: str, name: str, kind: str, rounds: list[list[str]], barrier: Any, results: Any
          ) -> None:
    os.environ["SERIALTRACK_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "serialtrack.settings"
    import django

    django.setup()
    from serialtrack import posting
    from serialtrack.errors import Refused

    user = posting.system_user(name)
    for index, serials in enumerate(rounds):
        barrier.wait(timeout=120)
        try:
            if kind == "generate":
                doc = posting.receive(warehouse="WH1", product="HT-1", generate=len(serials),
                                      user=user)
            elif kind == "receive_po":  # against purchase order PO-000001
                doc = posting.receive(warehouse="WH1", product="HT-1", serials=serials,
                                      user=user, order="PO-000001")
            elif kind == "ship":
                doc = posting.ship(warehouse="WH1", customer="Customer A", product="HT-1",
                                   serials=serials, user=user)
            else:
                doc = posting.receive(warehouse="WH1", product="HT-1", serials=serials, user=user)
            results.put((name, index, "posted", doc.number, []))
        except Refused as exc:
            results.put((name, index, "refused", exc.code,
                         [(p.code, p.serial) for p in exc.problems]))
        except Exception as exc:  # a crash is a test failure, reported with its text
            results.put((name, index, "crashed", f"{type(exc).__name__}: {exc}", []))


def _django(url: str) -> None:
    os.environ["SERIALTRACK_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "serialtrack.settings"
    import django

    django.setup()


def open_draft(url: str, results: Any) -> None:
    """A receipt draft of HT-1 into WH1; its id goes to `results`."""
    _django(url)
    from serialtrack.posting import drafts, system_user

    results.put(drafts.create_draft(kind="receipt", user=system_user("lead"), product="HT-1",
                                    warehouse="WH1").pk)


def scanner(url: str, name: str, draft_id: int, serials: list[str], barrier: Any, results: Any
            ) -> None:
    """A clerk at a bench scanning `serials` into the draft one at a time, started with the
    others: the serials it was told are accepted go to `results`."""
    _django(url)
    from serialtrack.posting import drafts, system_user

    user = system_user(name)
    barrier.wait(timeout=120)
    accepted = []
    try:
        for serial in serials:
            if drafts.add_scans(draft_id, [serial], user)[0].accepted:
                accepted.append(serial)
        results.put((name, accepted, None))
    except Exception as exc:  # a crash is a test failure, reported with its text
        results.put((name, accepted, f"{type(exc).__name__}: {exc}"))


def draft_state(url: str, draft_id: int, results: Any) -> None:
    """The draft's serials as stored and its counter as `get_draft` reads it."""
    _django(url)
    from serialtrack.inventory.models import DraftSerial
    from serialtrack.posting import drafts

    line = drafts.get_draft(draft_id).draft
    results.put((list(DraftSerial.objects.filter(line=line).values_list("serial", flat=True)),
                 drafts.draft_summary(drafts.get_draft(draft_id))["scanned"], line.scanned))

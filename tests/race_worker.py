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
    from serialtrack.posting.errors import Refused

    user = posting.system_user(name)
    for index, serials in enumerate(rounds):
        barrier.wait(timeout=120)
        try:
            if kind == "generate":
                doc = posting.receive(warehouse="WH1", product="HT-1", generate=len(serials),
                                      user=user)
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

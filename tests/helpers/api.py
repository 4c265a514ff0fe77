"""A client of the REST API with a bearer token, the roles in rank order, and a small shop set up
over HTTP."""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import Client

ROLES = ("viewer", "clerk", "manager", "admin")


class Api:
    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def __call__(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        kwargs: dict[str, Any] = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs.update(data=body if isinstance(body, (str, bytes)) else json.dumps(body),
                          content_type="application/json")
        return getattr(self.client, method.lower())(path, **kwargs)


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "999999" if m.group(1).endswith("_id") else "ZZZ", path)


def setup_shop(manager: Api) -> None:
    assert manager("POST", "/api/products", {"sku": "HT-200", "name": "Handheld terminal",
                                             "warranty_days": 365}).status_code == 201
    assert manager("POST", "/api/warehouses", {"code": "WH1"}).status_code == 201
    manager("POST", "/api/parties", {"name": "Scanners Wholesale", "supplier": True})
    manager("POST", "/api/parties", {"name": "Customer A", "customer": True})

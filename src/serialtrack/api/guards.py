"""Text no database can store, refused at the API's door.

- A NUL character (U+0000) in the path or the query string, or a raw NUL byte in a body, is
  refused up front with a problem-details 400 (there is no field to name; PostgreSQL text cannot
  hold NUL, so it would otherwise surface as a server error deep inside a lookup).
- In a JSON body, every string (keys included) is checked by `serials.text_problem` as
  the API parses it, after authentication: a NUL (`\\u0000`) or a lone UTF-16 surrogate
  (`\\ud800`, which cannot be encoded as UTF-8) is a 422 problem naming each field, and the
  serial when the field holds serials (`serials.3`, code `control_character` or `invalid_text`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from ninja.parser import Parser

from serialtrack.errors import InvalidInput, Problem
from serialtrack.serials import text_problem

# Only these escapes put a NUL or a lone surrogate in a parsed JSON string (a raw NUL byte or a
# raw encoded surrogate makes the body invalid JSON): a body without them is not walked.
_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_SERIAL_FIELDS = ("old", "new")  # a serial correction's serials


def body_problems(data: Any, path: tuple[str, ...] = ()) -> Iterator[Problem]:
    """Every unstorable string of a parsed JSON body, keys included, by its field path
    (`serials.3`, `lines.0.serials.1`)."""
    if isinstance(data, str):
        serial = any("serial" in part or part in _SERIAL_FIELDS for part in path)
        problem = text_problem(data, ".".join(path) or "body", serial=serial)
        if problem:
            yield problem
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from body_problems(item, (*path, str(index)))
    elif isinstance(data, dict):
        keyed_by_serial = bool(path) and path[-1] == "dispositions"
        for key, value in data.items():
            key_problem = text_problem(str(key), ".".join((*path, str(key))),
                                       serial=keyed_by_serial)
            if key_problem:
                yield key_problem
            else:
                yield from body_problems(value, (*path, str(key)))


class CheckedParser(Parser):
    """The API's JSON parser: the body as sent, or a refusal naming every string in it that
    cannot be stored. (django-ninja answers a parser's exception with a 400 whose cause is that
    exception; `core` answers that cause as the refusal it is.)"""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        body = request.body
        data = json.loads(body)
        if _SUSPECT.search(body):
            problems = list(body_problems(data))
            if problems:
                raise InvalidInput(problems, title="Text that cannot be stored")
        return cast(dict[str, Any], data)


class RefuseNulMiddleware:
    """NUL in an API request's path, query or raw body (400); and in a web form's field, where
    it is the only unstorable text a form can carry (Django decodes form data replacing what is
    not UTF-8): a 422 page naming the field, judged after the CSRF check (`process_view` runs
    after the browser layer's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any
                     ) -> HttpResponse | None:
        if request.method != "POST" or request.path.startswith("/api/"):
            return None
        problems = [problem for name in request.POST
                    for value in request.POST.getlist(name)
                    if (problem := text_problem(value, name, serial="serial" in name))]
        problems += [problem for name in request.FILES for upload in request.FILES.getlist(name)
                     if (problem := text_problem(upload.name or "", f"{name} (file name)"))]
        if not problems:
            return None
        items = "".join(f"<li>{escape(p.message)}</li>" for p in problems)
        return HttpResponse(f"<!doctype html><title>Invalid input</title><h1>Invalid input</h1>"
                            f"<p>Nothing was changed.</p><ul>{items}</ul>", status=422)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and self._has_nul(request):
            body = {"type": "about:blank", "title": "Bad request", "status": 400,
                    "detail": "the request contains a NUL character (U+0000)", "errors": []}
            return HttpResponse(json.dumps(body), status=400,
                                content_type="application/problem+json")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        query = request.META.get("QUERY_STRING", "")
        # the query string decodes to a NUL only from `%00` or a raw NUL: no need to parse it
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            if request.content_type == "multipart/form-data":
                # a file upload (a case's photo): the files are binary, and are judged by their
                # content where they are kept; the text fields and file names are stored
                try:
                    return (any("\x00" in value for _name, values in request.POST.lists()
                                for value in values)
                            or any("\x00" in (upload.name or "")
                                   for upload in request.FILES.values()))
                except Exception:  # an unreadable form: django-ninja answers it
                    return False
            try:
                body = request.body
            except Exception:  # too large: the API answers 413
                return False
            return b"\x00" in body  # raw: not JSON; `\u0000` is named by CheckedParser
        return False

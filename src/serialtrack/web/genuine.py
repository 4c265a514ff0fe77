"""The public genuineness page `/genuine/`: no sign-in, on only when switched on, throttled per
client address (`serialtrack.genuine`). It shows the answer and nothing else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from serialtrack import genuine
from serialtrack.errors import InvalidInput, NotFound, Throttled


@require_GET
def genuine_page(request: HttpRequest) -> HttpResponse:
    if not genuine.enabled():
        return HttpResponse("Not found", status=404, content_type="text/plain")
    code = (request.GET.get("code") or "").strip()
    product = (request.GET.get("product") or "").strip() or None
    context: dict = {"code": code, "product": product or ""}
    status = 200
    if code:
        try:
            context["result"] = genuine.verify(code, product,
                                               client=request.META.get("REMOTE_ADDR", ""))
        except (InvalidInput, NotFound, Throttled) as exc:
            context["problem"] = exc.problems[0].message
            status = exc.http_status
    return render(request, "web/genuine.html", context, status=status)

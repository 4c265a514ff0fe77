"""From a unit's page: taking an assembly apart (the same engine entry as `serialtrack
disassemble` and POST /api/assemblies/disassemble, `posting.disassemble`), and fitting spare
parts into a unit in repair or taking them out (`repair install|remove`, POST
/api/repairs/install|remove). Building an assembly is a scan station (`/assemble/`, declared
with the `assemble` operation)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST

from serialtrack import posting
from serialtrack.accounts.roles import has_role
from serialtrack.errors import Refused
from serialtrack.posting.assemblies import DISASSEMBLE, REPAIR_INSTALL, REPAIR_REMOVE
from serialtrack.serials import expand_tokens
from serialtrack.web.views import document_url, forbidden, station, station_form, unit_page


@require_POST
@station
def disassemble(request: HttpRequest) -> HttpResponse:
    """Take the assembly apart (its components back into its bin; the shell scrapped unless
    kept), then its document; a refusal is shown on the unit's page."""
    if not has_role(request.user, DISASSEMBLE.role):
        return forbidden(request, DISASSEMBLE.role)
    form = station_form(request, ("product", "serial", "keep_shell"))
    try:
        doc = posting.disassemble(serial=form["serial"], product=form["product"] or None,
                                  keep_shell=bool(form["keep_shell"]), user=request.user)
    except Refused as exc:
        return unit_page(request, form["product"], form["serial"], exc.problems)
    return HttpResponseRedirect(document_url(doc.number or ""))


@require_POST
@station
def repair_parts(request: HttpRequest) -> HttpResponse:
    """Fit the parts scanned into the unit in repair (`action=install`), or take them out, back
    to its bin (`remove`) or scrapped (`scrap`); then the document; a refusal is shown on the
    unit's page."""
    op = REPAIR_INSTALL if request.POST.get("action") == "install" else REPAIR_REMOVE
    if not has_role(request.user, op.role):
        return forbidden(request, op.role)
    form = station_form(request, ("product", "serial", "parts", "reason", "action"))
    parts = list(expand_tokens(line.strip() for line in form["parts"].splitlines()
                               if line.strip()))
    fields = {"repair": form["serial"], "serials": parts, "reason": form["reason"]}
    if op is REPAIR_REMOVE:
        fields["scrap"] = form["action"] == "scrap"
    try:
        doc = op.post(request.user, **fields)
    except Refused as exc:
        return unit_page(request, form["product"], form["serial"], exc.problems)
    return HttpResponseRedirect(document_url(doc.number or ""))

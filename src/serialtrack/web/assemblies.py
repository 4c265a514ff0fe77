"""Taking an assembly apart from its unit page: the same engine entry as `serialtrack
disassemble` and POST /api/assemblies/disassemble (`posting.disassemble`). Building one is a scan
station (`/assemble/`, declared with the `assemble` operation)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST

from serialtrack import posting
from serialtrack.accounts.roles import has_role
from serialtrack.errors import Refused
from serialtrack.posting.assemblies import DISASSEMBLE
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

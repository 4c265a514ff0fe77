"""`serialtrack rma …`: service cases (RMA claims). A case posts no stock: the goods move through
the documents it links (`return`, `repair start|done|ship-back|replace`, `ship`), linked with
`rma link`.

    serialtrack rma open device-00123 --claimant "Customer A" --fault "keeps rebooting"
    serialtrack rma list [--open]
    serialtrack rma show RMA-000001
    serialtrack rma note RMA-000001 "customer called: needs it back by Friday"
    serialtrack rma link RMA-000001 RET-000001
    serialtrack rma photo RMA-000001 crack.jpg
    serialtrack rma close RMA-000001 --outcome repair --reason "new power supply"
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from serialtrack.cli.common import JsonOpt, command, current_user, emit, out

rma_app = typer.Typer(no_args_is_help=True, help="Service cases (RMA claims): open one by "
                      "scanning the unit, notes, linked documents, close with an outcome.")
NumberArg = Annotated[str, typer.Argument(metavar="RMA-NUMBER")]


def render_case(d: dict[str, Any]) -> None:
    unit = d["unit"]
    what = (f"{unit['product']} {unit['serial']} ({unit['status']}"
            + (f", {unit['location']}" if unit["location"] else "")
            + (f", with {unit['holder']}" if unit["holder"] else "") + ")"
            if unit else f"{d['serial']} — not one of ours")
    out.print(f"[bold]{d['number']}[/] {d['status']}"
              + (f": {d['outcome']} ({d['reason']})" if d["outcome"] else "")
              + f" — {what}", highlight=False)
    out.print(f"claimant {d['claimant']}, opened {d['opened_at'][:16].replace('T', ' ')} by "
              f"{d['opened_by'] or '?'}: {d['fault']}", markup=False, highlight=False)
    if d["sold_on"]:
        out.print(f"sold on {d['sold_on']} ({(d['sold_at'] or '')[:10]}) to {d['sold_to']}",
                  highlight=False)
    if d["warranty"]:
        w = d["warranty"]
        out.print("under warranty" + (f" until {w['warranty_end']}" if w["warranty_end"] else "")
                  if w["under_warranty"] else "not under warranty"
                  + (f" (ended {w['warranty_end']})" if w["warranty_end"] else ""),
                  highlight=False)
    for flag in d["flags"]:
        out.print(f"[bold red]flag:[/] {flag['message']}", highlight=False)
    for name, label in (("earlier_cases", "earlier claims"), ("returned_before", "returns"),
                        ("repaired_before", "repairs")):
        if d[name]:
            items = [c["number"] if isinstance(c, dict) else c for c in d[name]]
            out.print(f"{label}: {', '.join(items)}", highlight=False)
    if d["refund"]:
        out.print(f"refund: {d['refund']}", markup=False, highlight=False)
    if d["documents"]:
        docs = Table("document", "what", "posted", title="Documents")
        for doc in d["documents"]:
            docs.add_row(doc["number"], doc["role"], (doc["posted_at"] or "")[:16])
        out.print(docs)
    for note in d["notes"]:
        out.print(f"{note['time'][:16].replace('T', ' ')} {note['user'] or '?'}: {note['text']}",
                  markup=False, highlight=False)
    for photo in d["photos"]:
        out.print(f"photo {photo['id']}: {photo['name']} ({photo['content_type']}, "
                  f"{photo['size']:,} bytes) {(photo['time'] or '')[:16].replace('T', ' ')} "
                  f"{photo['user'] or '?'}", markup=False, highlight=False)


@rma_app.command("open")
@command
def rma_open(
    scan: Annotated[str, typer.Argument(metavar="SCAN",
                                        help="The unit's serial, GS1 label text or Digital Link.")],
    claimant: Annotated[str, typer.Option("--claimant", help="The customer making the claim.")],
    fault: Annotated[str, typer.Option("--fault", help="What the customer says is wrong.")],
    product: Annotated[str | None, typer.Option(
        "--product", "-p", help="SKU, when the serial is shared by two products.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Open a claim by scanning the unit: shows whether it is ours, its sale, warranty and
    earlier claims, and flags a unit sold to another customer."""
    from serialtrack import service_cases
    from serialtrack.queries.service_cases import case_summary

    case = service_cases.open_case(scan=scan, claimant=claimant, fault=fault, product=product,
                                   user=current_user())
    emit(case_summary(case), as_json, render_case)


@rma_app.command("list")
@command
def rma_list(open_only: Annotated[bool, typer.Option("--open", help="Only open cases.")] = False,
             claimant: Annotated[str | None, typer.Option("--claimant")] = None,
             as_json: JsonOpt = False) -> None:
    """Cases, newest first, with their flags."""
    from serialtrack.queries.service_cases import list_cases

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("case", "status", "opened", "claimant", "product", "serial", "flags",
                      "outcome")
        for r in rows:
            table.add_row(r["number"], r["status"], (r["opened_at"] or "")[:10], r["claimant"],
                          r["product"] or "", r["serial"],
                          ", ".join(f["code"] for f in r["flags"]), r["outcome"] or "")
        out.print(table)

    emit(list_cases(open_only=open_only, claimant=claimant), as_json, render)


@rma_app.command("show")
@command
def rma_show(number: NumberArg, as_json: JsonOpt = False) -> None:
    """A case: the unit, its sale and warranty, flags, earlier claims and repairs, documents,
    notes."""
    from serialtrack.queries.service_cases import case_summary, get_case

    emit(case_summary(get_case(number)), as_json, render_case)


@rma_app.command("note")
@command
def rma_note(number: NumberArg,
             text: Annotated[str, typer.Argument(metavar="TEXT")],
             as_json: JsonOpt = False) -> None:
    """Add a note to a case (kept with the time and the user; never changed)."""
    from serialtrack import service_cases

    note = service_cases.add_note(number, text=text, user=current_user())
    emit({"case": note.case.number, "time": note.created_at.isoformat(),
          "user": note.user.username if note.user else None, "text": note.text}, as_json,
         lambda d: out.print(f"note added to {d['case']}", highlight=False))


@rma_app.command("link")
@command
def rma_link(number: NumberArg,
             document: Annotated[str, typer.Argument(metavar="DOCUMENT-NUMBER")],
             as_json: JsonOpt = False) -> None:
    """Link a posted document that carried the case out (its return, repair, replacement)."""
    from serialtrack import service_cases
    from serialtrack.queries.service_cases import case_summary, get_case

    service_cases.link_document(number, document=document, user=current_user())
    emit(case_summary(get_case(number)), as_json,
         lambda d: out.print(f"{document.strip()} linked to {d['number']}", highlight=False))


@rma_app.command("photo")
@command
def rma_photo(number: NumberArg,
              path: Annotated[Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False,
                                                   help="JPEG, PNG, GIF, WebP or HEIC, up to "
                                                        "20 MB.")],
              as_json: JsonOpt = False) -> None:
    """Keep a photo with an open case (told by its content, not its name)."""
    from serialtrack import service_cases
    from serialtrack.queries.service_cases import case_summary, get_case

    with path.open("rb") as file:
        photo = service_cases.add_photo(number, name=path.name, chunks=iter(
            lambda: file.read(64 * 1024), b""), user=current_user())
    emit(case_summary(get_case(number)), as_json, lambda d: out.print(
        f"photo {photo.pk} ({photo.name}) added to {d['number']}", markup=False,
        highlight=False))


@rma_app.command("close")
@command
def rma_close(
    number: NumberArg,
    outcome: Annotated[str, typer.Option("--outcome", help="repair | replace | refund | reject")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept on the case).")],
    refund: Annotated[str, typer.Option(
        "--refund", help="A refund's credit note / refund (number or text).")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Close a case with its outcome: a repair needs its repair done or ship-back linked, a
    replacement its replacement, a refund the credit note (--refund)."""
    from serialtrack import service_cases
    from serialtrack.queries.service_cases import case_summary

    case = service_cases.close_case(number, outcome=outcome, reason=reason, refund=refund,
                                    user=current_user())
    emit(case_summary(case), as_json, lambda d: out.print(
        f"{d['number']} closed: {d['outcome']} ({d['reason']})", highlight=False))

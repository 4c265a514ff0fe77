"""Imports started from the web pages, run in the background so the request returns at once.

`start_import` keeps the upload in a folder of its own (under `SERIALTRACK_UPLOAD_DIR`, default
`<temp>/serialtrack-uploads`; the original file name is kept, it becomes the receipts'
reference), records an `ImportJob` and starts a daemon thread in the serving process. The
server runs uWSGI worker processes with threads enabled: the thread lives in the worker that
took the upload, beside its request loop. Stopping or restarting the server ends it mid-way; the
database then rolls the import's transaction back, and the job, no longer showing signs of life,
is marked failed the next time a page shows it (`refresh`).

Two threads per import:

- the *import* thread runs `imports.import_receipts` (one transaction, all or nothing) on its own
  database connection; its progress callback only stores the rows read in memory;
- the *heartbeat* thread writes those rows and the time, once a second (bounded, however fast
  rows are read, and also while the import posts, when no callback fires).

Where the heartbeat goes depends on the database. PostgreSQL: into the job's row, on the
heartbeat thread's own connection (row locks: the import never touches that row while it runs).
SQLite: the import holds the database's single write lock for its whole transaction, so any
other write would wait for it (and time out); the heartbeat goes to `progress.json` beside the
upload instead, written whole (rename), readable by every worker of the server — SQLite is one
machine. The job's row is written only before the import's transaction starts and after it
ends. With SQLite one web import runs at a time (a second one is refused until the first ends).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone
from openpyxl.utils.exceptions import InvalidFileException

from serialtrack import imports
from serialtrack.errors import InvalidInput, Problem, Refused
from serialtrack.inventory.models import Document, DocumentLine
from serialtrack.web.models import ImportJob, ImportStatus

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".xlsx")
HEARTBEAT_SECONDS = 1.0
STALE_AFTER = dt.timedelta(seconds=60)  # no sign of life for this long: the import is dead
ACTIVE = (ImportStatus.QUEUED, ImportStatus.RUNNING)
_threads: dict[int, threading.Thread] = {}


def upload_root() -> Path:
    return Path(os.environ.get("SERIALTRACK_UPLOAD_DIR")
                or Path(tempfile.gettempdir()) / "serialtrack-uploads")


def job_folder(job: ImportJob) -> Path:
    """The job's own folder: its number and start time to the microsecond, so that two
    databases (two servers, test runs) sharing the upload folder never share a job's folder."""
    return upload_root() / f"import-{job.pk}-{job.created_at:%Y%m%dT%H%M%S%f}"


def _safe_name(name: str) -> str:
    """The uploaded file's own name (no folders), tamed for the file system."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ()]+", "_", base).strip(" .") or "upload"
    stem, suffix = os.path.splitext(base)
    return stem[:100 - len(suffix)] + suffix.lower()


# -- starting ------------------------------------------------------------------------------------

def start_import(filename: str, chunks: Iterable[bytes], *, user: Any, supplier: str | None = None,
                 opening_balance: bool = False) -> ImportJob:
    """Keep the upload, record the job, start it in the background; refused (nothing kept) for
    a file that is neither CSV nor XLSX, or, on SQLite, while another import runs."""
    name = _safe_name(filename or "")
    if Path(name).suffix not in SUFFIXES:
        raise InvalidInput([Problem("invalid", f"{filename or 'the file'}: choose a .csv or .xlsx "
                                    "file", field="file")])
    if connection.vendor == "sqlite":
        running = [job for job in ImportJob.objects.filter(status__in=ACTIVE).order_by("pk")
                   if refresh(job).active]
        if running:
            raise Refused([Problem("busy", f"import #{running[0].pk} ({running[0].filename}) is "
                                   "still running; with SQLite one import posts at a time — try "
                                   "again when it has finished", field="file")])
    job = ImportJob.objects.create(user=user, filename=name, supplier=supplier or "",
                                   opening_balance=opening_balance)
    folder = job_folder(job)
    try:
        upload_root().mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
        with (folder / name).open("wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        _finish(job.pk, ImportStatus.FAILED, message=f"could not keep the upload: {exc}")
        raise
    thread = threading.Thread(target=_run, args=(job.pk, folder), name=f"serialtrack-import-{job.pk}",
                              daemon=True)
    _threads[job.pk] = thread
    thread.start()
    return job


def wait(job_id: int, timeout: float) -> bool:
    """Wait for a job this process started to end (its threads gone); whether it has."""
    thread = _threads.get(job_id)
    if thread is None:
        return True
    thread.join(timeout)
    if thread.is_alive():
        return False
    _threads.pop(job_id, None)
    return True


# -- running -------------------------------------------------------------------------------------

@dataclass
class _Progress:
    rows: int = 0


def _run(job_id: int, folder: Path) -> None:
    """The heartbeat thread: start the import thread, report its progress once a second until it
    ends, then remove the upload."""
    progress = _Progress()
    worker = threading.Thread(target=_import, args=(job_id, folder, progress),
                              name=f"serialtrack-import-{job_id}-post", daemon=True)
    try:
        worker.start()
        while True:
            _beat(job_id, folder, progress.rows)
            worker.join(HEARTBEAT_SECONDS)
            if not worker.is_alive():
                break
    except Exception:
        log.exception("import #%s: heartbeat failed", job_id)
        worker.join()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        connection.close()
        _threads.pop(job_id, None)


def _beat(job_id: int, folder: Path, rows: int) -> None:
    now = timezone.now()
    if connection.vendor == "sqlite":
        _write_progress_file(folder, rows, now)
    else:
        ImportJob.objects.filter(pk=job_id, status__in=ACTIVE).update(rows_read=rows,
                                                                     heartbeat_at=now)


def _write_progress_file(folder: Path, rows: int, now: dt.datetime) -> None:
    temporary = folder / f".progress.{threading.get_ident()}.tmp"
    try:
        temporary.write_text(json.dumps({"rows": rows, "heartbeat": now.isoformat()}))
        os.replace(temporary, folder / "progress.json")
    except OSError:  # the folder is gone: the job has ended
        pass


def _read_progress_file(folder: Path) -> tuple[int, dt.datetime] | None:
    try:
        data = json.loads((folder / "progress.json").read_text())
        return int(data["rows"]), dt.datetime.fromisoformat(data["heartbeat"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _import(job_id: int, folder: Path, progress: _Progress) -> None:
    """The import thread: the whole import on this thread's own connection, then its outcome."""
    try:
        job = ImportJob.objects.select_related("user").get(pk=job_id)
        path = folder / job.filename
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.RUNNING, total_rows=estimate_rows(path),
            heartbeat_at=timezone.now())

        def read(rows: int) -> None:
            progress.rows = rows

        try:
            result = imports.import_receipts(path, user=job.user, supplier=job.supplier or None,
                                             opening_balance=job.opening_balance, progress=read)
        except Refused as exc:
            _finish(job_id, ImportStatus.REFUSED, rows=progress.rows,
                    problems=[_problem(p) for p in exc.problems], message=exc.summary())
        except (UnicodeDecodeError, csv.Error, OSError, zipfile.BadZipFile,
                InvalidFileException) as exc:  # not a readable CSV or XLSX file
            _finish(job_id, ImportStatus.REFUSED, rows=progress.rows, problems=[_problem(
                Problem("invalid", f"cannot read {job.filename}: {exc}", field="file"))],
                message=f"cannot read {job.filename}")
        else:
            _finish(job_id, ImportStatus.POSTED, rows=result.rows,
                    documents=_posted(result.documents))
    except Exception as exc:
        log.exception("import #%s failed", job_id)
        _finish(job_id, ImportStatus.FAILED, rows=progress.rows,
                message=f"unexpected failure ({type(exc).__name__}): nothing was posted")
    finally:
        connection.close()


def _finish(job_id: int, status: str, *, rows: int | None = None,
            documents: list[dict[str, Any]] | None = None,
            problems: list[dict[str, Any]] | None = None, message: str = "") -> None:
    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now(),
                              "heartbeat_at": timezone.now(), "documents": documents or [],
                              "problems": problems or [], "message": message}
    if rows is not None:
        fields["rows_read"] = rows
    ImportJob.objects.filter(pk=job_id).update(**fields)


def _problem(problem: Problem) -> dict[str, Any]:
    return {"line": problem.line, "field": problem.field, "serial": problem.serial,
            "message": problem.message}


def _posted(documents: list[Document]) -> list[dict[str, Any]]:
    """Number, kind, product and quantity of each posted document (one query for the lines)."""
    lines: dict[int, tuple[str, int]] = {}
    for doc_id, sku, quantity in (DocumentLine.objects.filter(document__in=documents)
                                  .order_by("document_id", "line_no")
                                  .values_list("document_id", "product__sku", "quantity")):
        sku_so_far, total = lines.get(doc_id, (sku, 0))
        lines[doc_id] = (sku_so_far, total + quantity)
    return [{"number": d.number, "kind": d.kind, "product": lines.get(d.pk, ("", 0))[0],
             "quantity": lines.get(d.pk, ("", 0))[1]} for d in documents]


# -- how big the file is -------------------------------------------------------------------------

def estimate_rows(path: Path) -> int | None:
    """About how many data rows the file has, for the progress bar (blank rows and line breaks
    inside quoted CSV cells make it approximate); None when it cannot tell."""
    try:
        if path.suffix.lower() == ".xlsx":
            return _xlsx_rows(path)
        lines = 0
        last = b"\n"
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                lines += block.count(b"\n")
                last = block[-1:]
        return max(0, lines + (last != b"\n") - 1)
    except (OSError, ValueError, KeyError, ET.ParseError, zipfile.BadZipFile):
        return None


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _xlsx_rows(path: Path) -> int | None:
    """The active sheet's dimension (`<dimension ref="A1:H1000001">`), read from the start of its
    XML without loading the workbook (its shared strings alone can be hundreds of MB)."""
    with zipfile.ZipFile(path) as book:
        workbook = ET.fromstring(book.read("xl/workbook.xml"))
        view = workbook.find("m:bookViews/m:workbookView", _NS)
        active = int(view.get("activeTab", "0")) if view is not None else 0
        sheets = workbook.findall("m:sheets/m:sheet", _NS)
        rel_id = sheets[active].get(f"{{{_NS['r']}}}id")
        rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target", "") for r in rels.findall("p:Relationship", _NS)
                      if r.get("Id") == rel_id)
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        with book.open(member) as sheet:
            head = sheet.read(4096).decode("utf-8", "replace")
    found = re.search(r'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
    return max(0, int(found.group(1)) - 1) if found else None


# -- reading -------------------------------------------------------------------------------------

def refresh(job: ImportJob) -> ImportJob:
    """The job as it is now: on SQLite its progress comes from the heartbeat file; an active
    job without a sign of life for STALE_AFTER is marked failed (its process is gone, and with
    it the import's open transaction)."""
    if not job.active:
        return job
    if connection.vendor == "sqlite":
        beat = _read_progress_file(job_folder(job))
        if beat is not None:
            job.rows_read, job.heartbeat_at = max(job.rows_read, beat[0]), beat[1]
    last = max(t for t in (job.heartbeat_at, job.created_at) if t is not None)
    if timezone.now() - last > STALE_AFTER:
        message = (f"the import stopped without finishing (no sign of life since "
                   f"{timezone.localtime(last):%Y-%m-%d %H:%M:%S}: the server was stopped or "
                   "restarted). An import posts all or nothing: check the recent documents, "
                   "then upload the file again")
        ImportJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(), message=message)
        shutil.rmtree(job_folder(job), ignore_errors=True)
        job.refresh_from_db()
    return job


def get_job(job_id: int) -> ImportJob:
    from serialtrack.errors import NotFound

    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None:
        raise NotFound([Problem("not_found", f"no import #{job_id}")])
    return refresh(job)


def recent_jobs(limit: int = 10) -> list[ImportJob]:
    return [refresh(job) for job in ImportJob.objects.select_related("user").order_by("-pk")[:limit]]

"""Imports started from the web pages, run in the background so the request returns at once.

`start_import` keeps the upload in a folder of its own (under `SERIALTRACK_UPLOAD_DIR`, default
`<temp>/serialtrack-uploads`; the original file name is kept, it becomes the receipts'
reference), records an `ImportJob` and enqueues `run_import` through Django's tasks API (the
django-tasks backport, its database backend). A task worker runs it: `serialtrack serve` starts
one beside its web workers, `serialtrack worker` runs one alone. The worker reads the upload from
the same folder, so web and task workers share it (one machine, or a shared volume).

The import (`imports.import_receipts`) is one transaction, all or nothing. Its progress (rows
read) goes where the page can read it while that transaction is open. PostgreSQL: into the job's
row, on a second connection of the worker (row locks: the import never touches that row).
SQLite: the import holds the database's single write lock for its whole transaction, so any other
write would wait for it; progress goes to `progress.json` beside the upload instead (written
whole, by rename), and the job's row is written only before the import's transaction starts and
after it ends. With SQLite one web import runs at a time (a second one is refused until the
first ends).

Whether a running import is still alive is the operating system's answer, not a heartbeat: the
worker holds an exclusive lock (flock) on `running.lock` in the job's folder while it runs the
import, and the kernel releases it when the worker ends, however it ends. A job shown as running
whose lock nobody holds has lost its worker (stopped or killed mid-import: the database rolled
the import back) and is marked failed the next time a page shows it (`refresh`).
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.utils import timezone
from django_tasks import task
from openpyxl.utils.exceptions import InvalidFileException

from serialtrack import imports
from serialtrack.errors import InvalidInput, Problem, Refused
from serialtrack.inventory.models import Document, DocumentLine
from serialtrack.web.models import ImportJob, ImportStatus

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".xlsx")
ACTIVE = (ImportStatus.QUEUED, ImportStatus.RUNNING)
LOCK_FILE = "running.lock"
PROGRESS_FILE = "progress.json"


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
    """Keep the upload, record the job, queue it for a task worker; refused (nothing kept) for
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
        (folder / LOCK_FILE).touch()
        run_import.enqueue(job.pk)
    except Exception as exc:
        shutil.rmtree(folder, ignore_errors=True)
        _finish(job.pk, ImportStatus.FAILED, message=f"could not queue the import: {exc}")
        raise
    return job


# -- running (in a task worker) ------------------------------------------------------------------

@task()
def run_import(job_id: int) -> str:
    """The import of job `job_id`, run by a task worker: the whole import on the worker's
    connection (one transaction), its progress as the module docstring says, then its outcome
    in the job's row; the upload is removed at the end. Returns the job's final status."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.QUEUED:
        return job.status if job is not None else "gone"  # ended meanwhile (e.g. marked failed)
    folder = job_folder(job)
    try:
        lock = os.open(folder / LOCK_FILE, os.O_RDWR)
    except FileNotFoundError:  # the upload is gone: nothing left to import
        _finish(job_id, ImportStatus.FAILED,
                message="the uploaded file was no longer there: upload it again")
        return ImportStatus.FAILED
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held until the outcome is written (or this ends)
        _import(job, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(lock)  # releases the lock
    return ImportJob.objects.values_list("status", flat=True).get(pk=job_id)


def _worker_alive(job: ImportJob) -> bool:
    """Whether a worker holds the running job's lock (see the module docstring)."""
    try:
        fd = os.open(job_folder(job) / LOCK_FILE, os.O_RDONLY)
    except OSError:  # no folder: nobody is importing it
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _import(job: ImportJob, folder: Path) -> None:
    path = folder / job.filename
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, total_rows=estimate_rows(path), heartbeat_at=timezone.now())
    rows_read = 0
    report = _ProgressReport(job.pk, folder)

    def progress(rows: int) -> None:
        nonlocal rows_read
        rows_read = rows
        report(rows)

    try:
        result = imports.import_receipts(path, user=job.user, supplier=job.supplier or None,
                                         opening_balance=job.opening_balance, progress=progress)
    except Refused as exc:
        _finish(job.pk, ImportStatus.REFUSED, rows=rows_read,
                problems=[_problem(p) for p in exc.problems], message=exc.summary())
    except (UnicodeDecodeError, csv.Error, OSError, zipfile.BadZipFile,
            InvalidFileException) as exc:  # not a readable CSV or XLSX file
        _finish(job.pk, ImportStatus.REFUSED, rows=rows_read, problems=[_problem(
            Problem("invalid", f"cannot read {job.filename}: {exc}", field="file"))],
            message=f"cannot read {job.filename}")
    except Exception as exc:
        log.exception("import #%s failed", job.pk)
        _finish(job.pk, ImportStatus.FAILED, rows=rows_read,
                message=f"unexpected failure ({type(exc).__name__}): nothing was posted")
    else:
        _finish(job.pk, ImportStatus.POSTED, rows=result.rows,
                documents=_posted(result.documents))
    finally:
        report.close()


class _ProgressReport:
    """Rows read so far, where the page reads them while the import's transaction is open: the
    job's row on a second connection (PostgreSQL), `progress.json` beside the upload (SQLite)."""

    def __init__(self, job_id: int, folder: Path) -> None:
        self.job_id = job_id
        self.folder = folder
        self.side: Any = None
        if connection.vendor != "sqlite":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, rows: int) -> None:
        now = timezone.now()
        if self.side is None:
            temporary = self.folder / f".{PROGRESS_FILE}.tmp"
            with contextlib.suppress(OSError):  # progress only: the import goes on without it
                temporary.write_text(json.dumps({"rows": rows, "at": now.isoformat()}))
                os.replace(temporary, self.folder / PROGRESS_FILE)
            return
        try:
            with self.side.cursor() as cursor:
                cursor.execute(f"UPDATE {ImportJob._meta.db_table} SET rows_read = %s, "
                               "heartbeat_at = %s WHERE id = %s", [rows, now, self.job_id])
        except DatabaseError:  # progress only: the import goes on without it
            log.warning("import #%s: progress not recorded", self.job_id, exc_info=True)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _rows_read_file(folder: Path) -> int | None:
    try:
        return int(json.loads((folder / PROGRESS_FILE).read_text())["rows"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


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
    """The job as it is now: on SQLite a running job's rows read come from its progress file; a
    running job whose worker is gone (nobody holds its lock) is marked failed (its process
    ended, and with it the import's open transaction)."""
    if job.status != ImportStatus.RUNNING:
        return job
    if connection.vendor == "sqlite":
        rows = _rows_read_file(job_folder(job))
        if rows is not None:
            job.rows_read = max(job.rows_read, rows)
    if not _worker_alive(job):
        message = ("the import stopped without finishing (its worker was stopped or restarted). "
                   "An import posts all or nothing: check the recent documents, then upload the "
                   "file again")
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
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

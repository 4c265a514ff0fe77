"""The import page (CSV/XLSX posted in the background, with progress) and the label sheets of the
web pages, through Django's test client on a real database, and in Chromium against
`serialtrack serve`.

The imports are queued through Django's tasks API and run by a task worker: here django-tasks-db's
worker loop in a thread of the test process (so a test can hold an import mid-file), on its own
database connection, so these tests need committed data that the worker can see: on PostgreSQL the
transactional test database; on SQLite a database file in WAL mode, as `serialtrack serve` runs it
(the in-memory test database is shared between threads through SQLite's shared cache, whose table
locks production never meets). `serialtrack worker` and the worker `serialtrack serve` starts are
tested as the real processes at the end."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest import backend, table_counts
from tests.helpers.labels import read_back
from tests.helpers.web import SHOTS, sign_in

PASSWORD = "correct horse battery"
HEADER = "product,serial,lot,expiry,cost,warehouse,bin,quantity\n"
GTIN = "04006381333931"
OUTCOME_TIMEOUT = 120.0


# -- a database the import threads share with the test ------------------------------------------

# Committed data (and the test database set up for the in-process tests).
in_process = pytest.mark.django_db(transaction=True)


class ThreadWorker:
    """django-tasks-db's worker loop (what `serialtrack worker` runs) in a thread of this
    process, looking at the queue every 50 ms."""

    def __init__(self) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        self.worker = Worker(queue_names=["default"], interval=0.05, batch=False,
                             backend_name="default", startup_delay=False, max_tasks=None,
                             worker_id="tests", excluded_queue_names=[])
        self.thread = threading.Thread(target=self._run, name="task-worker", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from django.db import connections

        try:
            self.worker.run()
        finally:
            connections.close_all()

    def stop(self) -> None:
        """Stop once the task in progress, if any, has ended."""
        self.worker.running = False
        self.thread.join(OUTCOME_TIMEOUT)
        assert not self.thread.is_alive(), "the task worker is still running a task"


@pytest.fixture
def live_db(django_db_blocker: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[None]:
    """Committed data, visible to every thread; no task worker (see `worker`)."""
    monkeypatch.setenv("SERIALTRACK_UPLOAD_DIR", str(tmp_path / "uploads"))

    if backend() == "postgresql":
        yield
        return
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    conn = connections["default"]
    with django_db_blocker.unblock():
        saved_name, saved_connection = conn.settings_dict["NAME"], conn.connection
        conn.connection = None  # the in-memory test database stays open, set aside
        conn.settings_dict["NAME"] = settings.DATABASES["default"]["NAME"] = str(
            tmp_path / "serialtrack.sqlite3")
        try:
            call_command("migrate", verbosity=0, interactive=False)
            yield
        finally:
            conn.close()
            conn.settings_dict["NAME"] = settings.DATABASES["default"]["NAME"] = saved_name
            conn.connection = saved_connection


@pytest.fixture
def worker(live_db: None) -> Iterator[ThreadWorker]:
    """A task worker running queued imports; stopped at the end, once its import has ended."""
    running = ThreadWorker()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def shop(live_db: None) -> dict[str, Any]:
    from serialtrack import catalog

    return {
        "ht": catalog.create_product("HT-1", "Handheld terminal", "serial", warranty_days=365),
        "gt": catalog.create_product("GT-1", "Infusion pump", "serial", gtin=GTIN),
        "med": catalog.create_product("SAL-1", "Saline 500 ml", "lot"),
        "wh1": catalog.create_warehouse("WH1"),
        "wh2": catalog.create_warehouse("WH2"),
        "bin": catalog.create_bin("WH1", "A-01"),
        "supplier": catalog.create_party("Supplier S", supplier=True),
    }


def client_for(username: str, role: str) -> Client:
    from serialtrack.accounts.services import create_user

    user, _ = create_user(username, role, PASSWORD)
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, name: str, content: bytes, **fields: str) -> Any:
    file = io.BytesIO(content)
    file.name = name
    return client.post("/import/", {"file": file, **fields})


def job_id_of(response: Any) -> int:
    assert response.status_code == 303, (response.status_code, response.content[:2000])
    found = re.fullmatch(r"/imports/(\d+)/", response["Location"])
    assert found, response["Location"]
    return int(found.group(1))


def status_of(client: Client, job_id: int) -> tuple[str, str]:
    """(the job's status, the progress block as the page polls it)."""
    response = client.get(f"/imports/{job_id}/status", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    return re.search(r'data-status="(\w+)"', html).group(1), html


def wait_until(check: Callable[[], Any], what: str, timeout: float = OUTCOME_TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.05)


def outcome(client: Client, job_id: int) -> tuple[str, str]:
    """Poll the page's progress block until the import has ended; its last state."""
    def ended() -> tuple[str, str] | None:
        status, html = status_of(client, job_id)
        if status in ("queued", "running"):
            assert 'hx-trigger="every 1s"' in html  # the page keeps polling while it runs
            return None
        assert "hx-trigger" not in html  # and stops when it has ended
        return status, html

    return wait_until(ended, f"import #{job_id} to end")


def xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["product", "serial", "lot", "expiry", "cost", "warehouse", "bin", "quantity"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- imports -------------------------------------------------------------------------------------

@in_process
def test_a_good_csv_posts_in_the_background(shop: dict[str, Any], worker: ThreadWorker,
                                            tmp_path: Path) -> None:
    from serialtrack.inventory.models import Document, StockQuantity, Unit

    client = client_for("carla", "clerk")
    body = (HEADER + "".join(f"HT-1,HT-{n:04d},,,120.00,WH1,,\n" for n in range(1, 201))
            + "HT-1,HT-0201,,,120.00,WH1,A-01,\nSAL-1,,L-7,2027-05-31,,WH2,,12\n")
    job_id = job_id_of(upload(client, "delivery 4711.csv", body.encode(), supplier="Supplier S"))

    status, html = outcome(client, job_id)
    assert status == "posted", html
    numbers = re.findall(r'href="/documents/(RCV-\d{6})"', html)
    assert len(numbers) == 3
    assert "202 rows as 3 documents" in html
    docs = {d.number: d for d in Document.objects.filter(number__in=numbers)}
    assert {d.party.name for d in docs.values()} == {"Supplier S"}
    assert {d.reference for d in docs.values()} == {"delivery 4711.csv"}
    units = Unit.objects.filter(product__sku="HT-1")
    assert units.count() == 201 and set(units.values_list("status", flat=True)) == {"in_stock"}
    assert str(units.select_related("location__warehouse").get(serial="HT-0201").location) \
        == "WH1/A-01"
    assert StockQuantity.objects.get(product__sku="SAL-1").quantity == 12
    page = client.get(f"/imports/{job_id}/").content.decode()
    assert all(f'href="/documents/{n}"' in page for n in numbers)
    assert "delivery 4711.csv" in client.get("/import/").content.decode()  # recent imports
    # the upload is not kept (removed by the worker right after the outcome)
    wait_until(lambda: list((tmp_path / "uploads").iterdir()) == [], "the upload to go", 10)


@in_process
def test_an_xlsx_with_a_bad_row_in_the_middle_posts_nothing(shop: dict[str, Any],
                                                            worker: ThreadWorker) -> None:
    from serialtrack.web.models import ImportJob

    client = client_for("mona", "manager")
    rows: list[list[Any]] = [["HT-1", f"X-{n}", None, None, None, "WH1", None, None]
                             for n in range(300)]
    rows[149] = ["HT-1", "X-149", None, None, None, "WH9", None, None]  # spreadsheet row 151
    before = table_counts()
    job_id = job_id_of(upload(client, "opening.xlsx", xlsx(rows), opening_balance="1"))

    status, html = outcome(client, job_id)
    assert status == "refused", html
    assert table_counts() == before
    job = ImportJob.objects.get(pk=job_id)
    assert [(p["line"], p["field"], p["message"]) for p in job.problems] == [
        (151, "warehouse", "row 151, warehouse: unknown warehouse 'WH9'")]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html.split('data-testid="import-problems"')[1])
    assert cells[:2] == ["151", "warehouse"] and "unknown warehouse &#x27;WH9&#x27;" in cells[3]
    assert "nothing was posted" in html
    report = client.get(f"/imports/{job_id}/problems.csv")
    assert list(csv.reader(io.StringIO(report.content.decode()))) == [
        ["row", "column", "serial", "reason"],
        ["151", "warehouse", "X-149", "row 151, warehouse: unknown warehouse 'WH9'"]]


@in_process
def test_an_opening_balance_posts_adjustments(shop: dict[str, Any], worker: ThreadWorker) -> None:
    from serialtrack.inventory.models import Document

    client = client_for("otto", "manager")
    assert 'name="opening_balance"' in client.get("/import/").content.decode()
    rows = [["HT-1", f"O-{n}", None, None, 99.5, "WH1", "A-01", None] for n in range(5)]
    status, html = outcome(client, job_id_of(upload(client, "shelves.xlsx", xlsx(rows),
                                                    opening_balance="1")))
    assert status == "posted", html
    number = re.search(r'href="/documents/([A-Z]+-\d{6})"', html).group(1)
    doc = Document.objects.get(number=number)
    assert (doc.kind, doc.reason) == ("adjustment", "opening balance")


@in_process
def test_progress_shows_while_the_import_holds_the_database(
        shop: dict[str, Any], worker: ThreadWorker, monkeypatch: pytest.MonkeyPatch) -> None:
    """The import is held mid-file by its own progress callback — inside its transaction, which on
    SQLite holds the one write lock: the page still answers and shows the rows read so far. On
    PostgreSQL a second import runs beside it (given a second task worker)."""
    from serialtrack import imports

    monkeypatch.setattr(imports, "CHUNK", 500)
    reached, release = threading.Event(), threading.Event()
    real = imports.import_receipts

    def held(path: Path, **kwargs: Any) -> Any:
        report = kwargs.pop("progress")

        def progress(rows: int) -> None:
            report(rows)
            if rows >= 1500 and not release.is_set():
                reached.set()
                assert release.wait(OUTCOME_TIMEOUT)

        return real(path, progress=progress, **kwargs)

    monkeypatch.setattr(imports, "import_receipts", held)
    client = client_for("pia", "clerk")
    body = HEADER + "".join(f"HT-1,P-{n:05d},,,,WH1,,\n" for n in range(4000))
    job_id = job_id_of(upload(client, "big.csv", body.encode()))
    try:
        assert reached.wait(OUTCOME_TIMEOUT)

        def shows_progress() -> str | None:
            status, html = status_of(client, job_id)
            assert status == "running", html
            return html if 'data-testid="rows-read">1,500<' in html else None

        html = wait_until(shows_progress, "the rows read to show")
        assert "of about 4,000 read (38 %)" in html
        assert '<progress max="4000" value="1500"' in html
        page = client.get(f"/imports/{job_id}/").content.decode()
        assert 'hx-trigger="every 1s"' in page and "1,500" in page
        second = upload(client, "other.csv", (HEADER + "HT-1,Q-1,,,,WH1,,\n").encode())
        if backend() == "sqlite":  # one writer at a time: refused at once, not left waiting
            assert second.status_code == 422
            assert f"import #{job_id} (big.csv) is still running" in second.content.decode()
        else:
            second_worker = ThreadWorker()
            try:
                assert outcome(client, job_id_of(second))[0] == "posted"
            finally:
                second_worker.stop()
    finally:
        release.set()
    status, html = outcome(client, job_id)
    assert status == "posted", html
    assert "4,000 rows as 1 document" in html


@in_process
def test_an_import_whose_process_died_is_not_left_running(shop: dict[str, Any]) -> None:
    """A running import is alive while a worker holds its lock (the kernel lets go of it when
    the worker's process ends, however it ends)."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from serialtrack.web import jobs
    from serialtrack.web.models import ImportJob, ImportStatus

    client = client_for("rita", "clerk")
    user = get_user_model().objects.get(username="rita")
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    job = ImportJob.objects.create(user=user, filename="lost.csv", status=ImportStatus.RUNNING,
                                   rows_read=20_000, total_rows=1_000_000, created_at=long_ago,
                                   heartbeat_at=long_ago)
    alive = ImportJob.objects.create(user=user, filename="alive.csv", status=ImportStatus.RUNNING,
                                     created_at=long_ago, heartbeat_at=long_ago)
    for each in (job, alive):  # their uploads, as start_import left them
        jobs.job_folder(each).mkdir(parents=True)
        (jobs.job_folder(each) / jobs.LOCK_FILE).touch()
    held = os.open(jobs.job_folder(alive) / jobs.LOCK_FILE, os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)  # as its worker does while it runs the import
    try:
        page = client.get("/import/").content.decode()
        assert ImportJob.objects.get(pk=job.pk).status == "failed"
        assert ImportJob.objects.get(pk=alive.pk).status == "running"
        assert "lost.csv" in page
        status, html = status_of(client, job.pk)
        assert status == "failed" and "stopped without finishing" in html
        assert "hx-trigger" not in html
        assert not jobs.job_folder(job).exists()  # its upload is removed
        assert status_of(client, alive.pk)[0] == "running"
    finally:
        os.close(held)
    assert status_of(client, alive.pk)[0] == "failed"  # its worker let go without finishing


def live_db_url() -> str:
    """The URL of the database `live_db` set up, for a subprocess."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if backend() == "sqlite":
        return f"sqlite:///{name}"
    return f"{os.environ['SERIALTRACK_DATABASE_URL'].rpartition('/')[0]}/{name}"


@in_process
def test_serialtrack_worker_runs_a_queued_import(shop: dict[str, Any]) -> None:
    """With no task worker running, an upload waits, queued (and says so); `serialtrack worker`
    runs it (`--batch`: what is queued, then exit)."""
    from serialtrack.inventory.models import Unit

    client = client_for("wes", "clerk")
    body = HEADER + "HT-1,W-1,,,,WH1,,\nHT-1,W-2,,,,WH1,,\n"
    job_id = job_id_of(upload(client, "queued.csv", body.encode()))
    time.sleep(0.5)
    status, html = status_of(client, job_id)
    assert status == "queued" and "Waiting for a task worker" in html
    assert 'hx-trigger="every 1s"' in html

    env = {**os.environ, "SERIALTRACK_DATABASE_URL": live_db_url()}
    env.pop("SERIALTRACK_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "serialtrack", "worker", "--batch", "--json"],
                          env=env, capture_output=True, text=True, timeout=OUTCOME_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["batch"] is True
    status, html = status_of(client, job_id)
    assert status == "posted", html
    assert "2 rows as 1 document" in html
    assert sorted(Unit.objects.filter(product__sku="HT-1").values_list("serial", flat=True)) == [
        "W-1", "W-2"]


@in_process
def test_who_may_import(shop: dict[str, Any]) -> None:
    from serialtrack.web.models import ImportJob

    good = (HEADER + "HT-1,R-1,,,,WH1,,\n").encode()
    viewer = client_for("vic", "viewer")
    page = viewer.get("/import/").content.decode()
    assert 'data-testid="read-only"' in page and 'type="file"' not in page
    refused = upload(viewer, "r.csv", good)
    assert refused.status_code == 403 and "needs the clerk role" in refused.content.decode()

    clerk = client_for("cleo", "clerk")
    assert 'name="opening_balance"' not in clerk.get("/import/").content.decode()
    refused = upload(clerk, "r.csv", good, opening_balance="1")
    assert refused.status_code == 403 and "needs the manager role" in refused.content.decode()
    assert ImportJob.objects.count() == 0

    not_a_table = upload(clerk, "r.pdf", b"%PDF-1.4")
    assert not_a_table.status_code == 422
    assert "choose a .csv or .xlsx file" in not_a_table.content.decode()
    assert Client().get("/import/").status_code == 302  # signed out: to the sign-in page
    assert ImportJob.objects.count() == 0


# -- labels --------------------------------------------------------------------------------------

@in_process
def test_labels_of_a_receipt_and_of_a_pasted_list(shop: dict[str, Any]) -> None:
    from serialtrack import posting
    from serialtrack.labels import LAYOUTS
    from serialtrack.posting import system_user

    clerk = system_user("clerk")
    receipt = posting.receive(warehouse="WH1", product="GT-1", user=clerk, lot="L-1",
                              serials=[f"PUMP-{n}" for n in range(1, 6)]).number
    posting.receive(warehouse="WH1", product="HT-1", user=clerk,
                    serials=[f"HT-{n:03d}" for n in range(1, 31)])
    saline = posting.receive(warehouse="WH1", product="SAL-1", user=clerk, lot="L-9",
                             quantity=40).number
    viewer = client_for("vera", "viewer")  # labels change nothing: any role prints them
    assert 'data-testid="label-form"' not in viewer.get(f"/documents/{saline}").content.decode()
    assert 'data-testid="label-form"' in viewer.get("/units/HT-1/HT-005").content.decode()

    page = viewer.get(f"/documents/{receipt}").content.decode()
    assert 'data-testid="label-form"' in page and 'value="roll-62x29"' in page
    response = viewer.get("/labels/pdf", {"document": receipt, "layout": "a4-3x8",
                                          "symbology": "datamatrix"})
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="labels-{receipt}.pdf"'
    found = read_back(response.content, LAYOUTS["a4-3x8"])[0]
    assert [found[i].text for i in range(5)] == [f"(01){GTIN}(10)L-1(21)PUMP-{n}"
                                                 for n in range(1, 6)]
    assert {found[i].symbology_identifier for i in range(5)} == {"]d2"}  # GS1 DataMatrix

    response = viewer.post("/labels/", {"product": "HT-1", "serials": "HT-007\nHT-001..HT-003",
                                        "range": "HT-010..HT-011", "layout": "a4-2x7",
                                        "symbology": "code128"})
    assert response["Content-Type"] == "application/pdf"
    found = read_back(response.content, LAYOUTS["a4-2x7"])[0]
    assert [found[i].text for i in range(6)] == ["HT-007", "HT-001", "HT-002", "HT-003",
                                                 "HT-010", "HT-011"]

    refused = viewer.post("/labels/", {"product": "HT-1", "serials": "HT-001\nHT-999\nNOPE",
                                       "layout": "a4-3x8"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "unknown serial &#x27;HT-999&#x27; of HT-1" in text and "NOPE" in text
    assert "HT-001\nHT-999\nNOPE</textarea>" in text  # the form as it was filled


# -- in the browser ------------------------------------------------------------------------------

@pytest.mark.slow
def test_import_and_labels_in_the_browser(browser: Any, site: Any) -> None:
    from playwright.sync_api import expect

    from serialtrack.labels import LAYOUTS

    site.add_user("magda", "manager")
    page = sign_in(browser, site, "magda")
    page.get_by_role("link", name="Import").click()
    expect(page).to_have_url(re.compile(r"/import/$"))

    # A file with a bad row: the bad rows are listed, nothing posted.
    bad = HEADER + "HT-200,device-07001,,,,WH1,,\nHT-200,devcie-07002,,,,WH1,,\n"
    page.locator("input[name=file]").set_input_files(files=[{
        "name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode()}])
    page.get_by_role("button", name="Upload and import").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    expect(page.get_by_test_id("import-outcome")).to_contain_text("nothing was posted")
    problems = page.get_by_test_id("import-problems").locator("tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("3")
    expect(problems.first).to_contain_text("serial")
    expect(problems.first).to_contain_text("does not match the product's pattern")

    # A good file: progress, then the documents posted, linked.
    page.get_by_role("link", name="Import another file").click()
    good = HEADER + "".join(f"HT-200,device-{n:05d},,,,WH1,A-01,\n" for n in range(7001, 7021))
    page.locator("input[name=file]").set_input_files(files=[{
        "name": "delivery.csv", "mimeType": "text/csv", "buffer": good.encode()}])
    page.locator("input[name=supplier]").fill("Scanners Wholesale")
    page.get_by_role("button", name="Upload and import").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    expect(page.locator("#import-status")).to_have_attribute("data-status", "posted")
    expect(page.get_by_test_id("import-outcome")).to_contain_text("Posted 20 rows as 1 document")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "import-posted.png"), full_page=True)
    link = page.get_by_test_id("import-documents").get_by_role("link")
    number = link.inner_text()
    link.click()
    expect(page).to_have_url(re.compile(f"/documents/{number}$"))
    expect(page.locator("ul.serials li")).to_have_count(20)

    # A unit's label, from its page: a PDF whose barcode reads back as the serial.
    page.locator("ul.serials").get_by_role("link", name="device-07005").click()
    expect(page).to_have_url(re.compile(r"/units/HT-200/device-07005$"))
    form = page.get_by_test_id("label-form")
    form.locator("select[name=layout]").select_option("roll-62x29")
    form.locator("select[name=symbology]").select_option("code128")
    with page.expect_download() as info:
        form.get_by_role("button", name="Download labels (PDF)").click()
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    found = read_back(pdf, LAYOUTS["roll-62x29"])
    assert len(found) == 1 and found[0][0].text == "device-07005"
    assert found[0][0].symbology_identifier == "]C0"  # Code 128
    page.context.close()

    # On a phone: the import page and the unit page with its label form fit the screen.
    phone = sign_in(browser, site, "magda", phone=True)
    for path in ("/import/", "/units/HT-200/device-07005", f"/documents/{number}", "/labels/"):
        phone.goto(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
    phone.screenshot(path=str(SHOTS / "labels-phone.png"), full_page=True)
    phone.context.close()


# -- a page is a fixed number of queries -----------------------------------------------------------

# Each includes the session, the user and the user's role (3).
PINNED_QUERIES = {"import": 5, "import_job": 4, "import_status": 4, "labels": 4}


@in_process
def test_the_pages_make_a_constant_number_of_queries(shop: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from serialtrack.web.models import ImportJob, ImportStatus

    client = client_for("quinn", "clerk")
    user = ImportJob._meta.get_field("user").related_model.objects.get(username="quinn")

    def measure(posted: ImportJob, refused: ImportJob) -> dict[str, int]:
        counts = {}
        for name, path in (("import", "/import/"), ("import_job", f"/imports/{posted.pk}/"),
                           ("import_status", f"/imports/{refused.pk}/status"),
                           ("labels", "/labels/")):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path).status_code == 200
            counts[name] = len(ctx.captured_queries)
        return counts

    def jobs(documents: int, problems: int) -> tuple[ImportJob, ImportJob]:
        posted = ImportJob.objects.create(
            user=user, filename="a.csv", status=ImportStatus.POSTED, rows_read=documents,
            documents=[{"number": f"RCV-{n:06d}", "kind": "receipt", "product": "HT-1",
                        "quantity": 1} for n in range(documents)])
        refused = ImportJob.objects.create(
            user=user, filename="b.csv", status=ImportStatus.REFUSED, rows_read=problems,
            problems=[{"line": n + 2, "field": "serial", "serial": f"S{n}", "message": "bad"}
                      for n in range(problems)])
        return posted, refused

    small = measure(*jobs(1, 1))
    for _ in range(12):
        jobs(1, 1)
    large = measure(*jobs(2000, 2000))
    assert small == large == PINNED_QUERIES, (small, large)

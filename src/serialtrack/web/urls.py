"""The web pages' URLs (included at the site root, after /api/, /login/ and /logout/)."""

from django.urls import path

from serialtrack.posting import operations
from serialtrack.web import files, quantities, replace, views

app_name = "web"

# Every scan station's opening page, named after its operation (`Station.url`).
stations = [path(op.station.url.lstrip("/"), views.open_station, {"name": op.name}, name=op.name)
            for op in operations.stations() if op.station]

urlpatterns = [
    path("", views.home, name="home"),
    *stations,
    path("adjust/", views.adjust, name="adjust"),
    path("repair/replace/", replace.repair_replace, name="repair_replace"),
    path("drafts/<int:draft_id>/", views.draft_page, name="draft"),
    path("drafts/<int:draft_id>/scan", views.scan, name="scan"),
    path("drafts/<int:draft_id>/remove", views.remove, name="remove"),
    path("drafts/<int:draft_id>/bulk", views.bulk, name="bulk"),
    path("drafts/<int:draft_id>/dismiss", views.dismiss, name="dismiss"),
    path("drafts/<int:draft_id>/expected", views.expected, name="expected"),
    path("drafts/<int:draft_id>/discard", views.discard, name="discard"),
    path("drafts/<int:draft_id>/post", views.post, name="post"),
    path("units/<str:sku>/<path:serial>", views.unit, name="unit"),
    path("documents/<str:number>", views.document, name="document"),
    path("documents/<str:number>/again", views.again, name="again"),
    path("search", views.search, name="search"),
    path("report/", views.report, name="report"),
    path("quantities/<str:kind>/", quantities.quantities, name="quantities"),
    path("import/", files.import_page, name="import"),
    path("imports/<int:job_id>/", files.import_job, name="import_job"),
    path("imports/<int:job_id>/status", files.import_status, name="import_status"),
    path("imports/<int:job_id>/problems.csv", files.import_problems, name="import_problems"),
    path("labels/", files.labels_page, name="labels"),
    path("labels/pdf", files.labels_pdf, name="labels_pdf"),
]

"""The web pages' URLs (included at the site root, after /api/, /login/ and /logout/)."""

from django.urls import path

from serialtrack.posting import operations
from serialtrack.web import expiry, files, genuine, orders, quantities, recalls, replace, setup, views

app_name = "web"

# Every scan station's opening page, named after its operation (`Station.url`).
stations = [path(op.station.url.lstrip("/"), views.open_station, {"name": op.name}, name=op.name)
            for op in operations.stations() if op.station]

# Set-up (web/setup.py): products, warehouses and bins, parties, users; everyone's own tokens.
setup_urls = [
    path("setup/", setup.welcome, name="setup"),
    path("setup/products/", setup.products, name="setup_products"),
    path("setup/products/new/", setup.product_new, name="setup_product_new"),
    path("setup/products/try-pattern", setup.try_pattern, name="setup_try_pattern"),
    path("setup/products/preview-serials", setup.preview_serials, name="setup_preview_serials"),
    path("setup/products/<int:product_id>/", setup.product, name="setup_product"),
    path("setup/products/<int:product_id>/edit/", setup.product_edit, name="setup_product_edit"),
    path("setup/warehouses/", setup.warehouses, name="setup_warehouses"),
    path("setup/warehouses/new/", setup.warehouse_new, name="setup_warehouse_new"),
    path("setup/warehouses/<str:code>/", setup.warehouse, name="setup_warehouse"),
    path("setup/parties/", setup.parties, name="setup_parties"),
    path("setup/parties/new/", setup.party_new, name="setup_party_new"),
    path("setup/parties/<int:party_id>/", setup.party, name="setup_party"),
    path("setup/parties/<int:party_id>/edit/", setup.party_edit, name="setup_party_edit"),
    path("setup/users/", setup.users, name="setup_users"),
    path("setup/users/new/", setup.user_new, name="setup_user_new"),
    path("setup/users/<str:username>/", setup.user, name="setup_user"),
    path("tokens/", setup.my_tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke", setup.revoke_token, name="revoke_token"),
]

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
    path("genuine/", genuine.genuine_page, name="genuine"),
    path("report/", views.report, name="report"),
    path("expiring/", expiry.expiring, name="expiring"),
    path("valuation/", views.valuation, name="valuation"),
    path("quantities/<str:kind>/", quantities.quantities, name="quantities"),
    path("import/", files.import_page, name="import"),
    path("imports/<int:job_id>/", files.import_job, name="import_job"),
    path("imports/<int:job_id>/status", files.import_status, name="import_status"),
    path("imports/<int:job_id>/problems.csv", files.import_problems, name="import_problems"),
    path("labels/", files.labels_page, name="labels"),
    path("labels/pdf", files.labels_pdf, name="labels_pdf"),
    *setup_urls,
    path("purchase-orders/", orders.order_list, {"kind_path": "purchase-orders"},
         name="purchase_orders"),
    path("purchase-orders/<str:number>", orders.order_page, {"kind_path": "purchase-orders"},
         name="purchase_order"),
    path("purchase-orders/<str:number>/pdf", orders.order_pdf, name="purchase_order_pdf"),
    path("sales-orders/", orders.order_list, {"kind_path": "sales-orders"}, name="sales_orders"),
    path("sales-orders/<str:number>", orders.order_page, {"kind_path": "sales-orders"},
         name="sales_order"),
    path("recalls/", recalls.recalls, name="recalls"),
    path("recalls/new/", recalls.new_recall, name="recall_new"),
    path("recalls/<str:number>/", recalls.recall, name="recall"),
    path("recalls/<str:number>/hold", recalls.hold, name="recall_hold"),
    path("recalls/<str:number>/customers.<str:fmt>", recalls.export, name="recall_export"),
]

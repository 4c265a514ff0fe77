"""Set-up from the browser: products, warehouses and bins, parties, users and API tokens, and the
first-run page that walks a new business to its first receipt.

Thin like the station pages: a Django form only parses the fields (a number is a number); every
rule and its message comes from the same service the command line and the API call
(`serialtrack.catalog`, `serialtrack.accounts.services`), and a refusal is shown above the form
as those give it. Products, warehouses and parties need the manager role, users the admin role
(`accounts/roles.py`); any signed-in user manages their own API tokens on "My tokens" (a token
acts with its user's role, never more).

`offers` is the station pages' helper: a refusal naming a supplier, customer, product, warehouse
or bin that does not exist offers a manager a link to create it that comes back to the station
with the form as it was, and tells anyone else who can."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serialtrack import catalog
from serialtrack.accounts import services as accounts
from serialtrack.accounts.roles import ROLES, has_role, role_of
from serialtrack.errors import NotFound, Problem, Refused
from serialtrack.inventory.models import Party, Product, Tracking, Warehouse
from serialtrack.posting.generated import preview
from serialtrack.queries import catalog as listed
from serialtrack.web.views import FIRST_RUN_SEEN, forbidden, not_found, show

View = Callable[..., HttpResponse]
PAGE_SIZE = 25
SAMPLES_SHOWN = 20


# -- roles, paging, going back -------------------------------------------------------------------

def needs(role: str) -> Callable[[View], View]:
    """Signed in with `role` or above for every method, else 403 (a set-up page is not for
    looking at either: a clerk gets no form and no list)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "/login/")
            if not has_role(request.user, role):
                return forbidden(request, role)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def may_set_up(user: Any) -> bool:
    return has_role(user, "manager")


def back_to(request: HttpRequest, default: str) -> str:
    """Where to go after saving: the `next` the form came with (a page of this site), else
    `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure())
    return target if ok else default


def page_of(request: HttpRequest, rows: Any) -> dict[str, Any]:
    """One page of a list (`?page=`), and the query string of the pages beside it."""
    q = (request.GET.get("q") or "").strip()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    keep = {k: v for k, v in request.GET.items() if k != "page" and v}
    return {"page": page, "q": q, "keep": urlencode(keep)}


def parsed(form: forms.Form) -> tuple[dict[str, Any], list[Problem]]:
    """The form's values, or a problem per field it could not read (a number that is not one)."""
    if form.is_valid():
        return form.cleaned_data, []
    return {}, [Problem("invalid", f"{form.fields[name].label or name}: {' '.join(errors)}",
                        field=name) for name, errors in form.errors.items()]


def page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
         ) -> HttpResponse:
    return show(request, template, {"nav": "setup", "is_admin": has_role(request.user, "admin"),
                                    **context}, status=status)


def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    return not_found(request, exc)


# -- the first-run page ----------------------------------------------------------------------------

@require_GET
@needs("manager")
def welcome(request: HttpRequest) -> HttpResponse:
    """Product → warehouse → supplier → first receipt, each step linked to its form (which comes
    back here) and marked once done."""
    request.session[FIRST_RUN_SEEN] = True
    progress = listed.setup_progress()
    receive = {k: v for k, v in (("product", progress["product"]),
                                 ("warehouse", progress["warehouse"]),
                                 ("supplier", progress["supplier"])) if v}
    steps = [
        {"key": "product", "title": "Add a product", "done": progress["product"],
         "lead": "What you stock: its SKU, how it is tracked (by serial, lot or plain count), the "
                 "pattern its serials follow, its warranty.",
         "url": "/setup/products/new/?next=/setup/"},
        {"key": "warehouse", "title": "Add a warehouse", "done": progress["warehouse"],
         "lead": "Where it is kept. Each warehouse has a default bin MAIN; add bins as you need.",
         "url": "/setup/warehouses/new/?next=/setup/"},
        {"key": "supplier", "title": "Add a supplier", "done": progress["supplier"],
         "lead": "Who you buy from (customers are added the same way).",
         "url": "/setup/parties/new/?supplier=on&next=/setup/"},
        {"key": "receipt", "title": "Receive your first goods", "done": progress["receipt"],
         "lead": "Open the receive station and scan the serials on the boxes.",
         "url": f"/receive/?{urlencode(receive)}"},
    ]
    ready = progress["product"] and progress["warehouse"]
    return page(request, "setup/welcome.html", {"steps": steps, "ready": ready})


# -- products --------------------------------------------------------------------------------------

class ProductForm(forms.Form):
    sku = forms.CharField(label="SKU", required=False)
    name = forms.CharField(label="Name", required=False)
    tracking = forms.CharField(label="Tracking", required=False)
    serial_pattern = forms.CharField(label="Serial pattern", required=False, strip=False)
    serial_template = forms.CharField(label="Serial template", required=False, strip=False)
    warranty_days = forms.IntegerField(label="Warranty days", required=False)
    gtin = forms.CharField(label="GTIN", required=False)
    unicode_serials = forms.BooleanField(label="Unicode serials", required=False)


PRODUCT_FIELDS = ("sku", "name", "tracking", "serial_pattern", "serial_template",
                  "warranty_days", "gtin", "unicode_serials")


def _product_values(data: dict[str, Any]) -> dict[str, Any]:
    return {"name": data["name"] or "", "tracking": data["tracking"] or Tracking.SERIAL,
            "serial_pattern": data["serial_pattern"] or "",
            "serial_template": data["serial_template"] or "",
            "warranty_days": data["warranty_days"] or 0, "gtin": data["gtin"] or None,
            "unicode_serials": bool(data["unicode_serials"])}


def _product_form(request: HttpRequest, context: dict[str, Any], status: int = 200
                  ) -> HttpResponse:
    return page(request, "setup/product_form.html", {
        "section": "products", "trackings": Tracking.choices, "next": back_to(request, ""),
        **context}, status)


@require_GET
@needs("manager")
def products(request: HttpRequest) -> HttpResponse:
    listing = page_of(request, listed.products_matching((request.GET.get("q") or "").strip()))
    return page(request, "setup/products.html", {"section": "products", **listing})


@require_http_methods(["GET", "POST"])
@needs("manager")
def product_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = {"sku": (request.GET.get("sku") or "").strip(), "tracking": Tracking.SERIAL}
        return _product_form(request, {"form": form, "creating": True})
    data, problems = parsed(ProductForm(request.POST))
    if not problems:
        try:
            product = catalog.create_product(data["sku"], **_product_values(data))
        except Refused as exc:
            problems = exc.problems
        else:
            return HttpResponseRedirect(back_to(request, f"/setup/products/{product.pk}/?saved=1"))
    return _product_form(request, {"form": request.POST, "creating": True, "problems": problems},
                         422)


def _product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound([Problem("not_found", f"no product #{product_id}", field="product")])
    return product


@require_GET
@needs("manager")
def product(request: HttpRequest, product_id: int) -> HttpResponse:
    try:
        found = _product(product_id)
    except NotFound as exc:
        return refused(request, exc)
    upcoming: list[str] = []
    if found.serial_template:
        upcoming = preview(found, 5)
    return page(request, "setup/product.html", {
        "section": "products", "product": found, "facts": listed.product_facts(found),
        "upcoming": upcoming, "saved": request.GET.get("saved")})


@require_http_methods(["GET", "POST"])
@needs("manager")
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    try:
        found = _product(product_id)
    except NotFound as exc:
        return refused(request, exc)
    context = {"product": found, "facts": listed.product_facts(found)}
    if request.method == "GET":
        form = {f: getattr(found, f) for f in PRODUCT_FIELDS}
        form["gtin"] = found.gtin or ""
        return _product_form(request, {**context, "form": form})
    data, problems = parsed(ProductForm(request.POST))
    if not problems:
        try:
            catalog.update_product(found.sku, **_product_values(data))
        except Refused as exc:
            problems = exc.problems
        else:
            return HttpResponseRedirect(f"/setup/products/{found.pk}/?saved=1")
    return _product_form(request, {**context, "form": {**request.POST.dict(), "sku": found.sku},
                                   "problems": problems}, 422)


@require_GET
@needs("manager")
def try_pattern(request: HttpRequest) -> HttpResponse:
    """The live test box: each sample serial (one per line) judged against the pattern typed, as
    a new serial of such a product would be."""
    pattern = request.GET.get("serial_pattern", "")
    samples = [s for s in request.GET.get("samples", "").splitlines() if s.strip()]
    problems, verdicts = catalog.try_pattern(
        pattern, samples[:SAMPLES_SHOWN], unicode_serials=bool(request.GET.get("unicode_serials")),
        sku=request.GET.get("sku", ""))
    return show(request, "setup/_pattern_test.html", {
        "problems": problems, "verdicts": verdicts, "pattern": pattern})


@require_GET
@needs("manager")
def preview_serials(request: HttpRequest) -> HttpResponse:
    """The next serials the template typed gives: a saved product's next ones when the template
    is its own (nothing is taken), else the first ones."""
    template = request.GET.get("serial_template", "")
    sku = (request.GET.get("sku") or "").strip()
    problem, serials = (None, [])
    if template:
        saved = Product.objects.filter(sku=sku, serial_template=template).first() if sku else None
        if saved is not None:
            serials = preview(saved, 5)
        else:
            problem, serials = catalog.preview_template(template, sku or "SKU")
    return show(request, "setup/_preview.html", {"problem": problem, "serials": serials,
                                                 "template": template})


# -- warehouses and bins ---------------------------------------------------------------------------

class WarehouseForm(forms.Form):
    code = forms.CharField(label="Code", required=False)
    name = forms.CharField(label="Name", required=False)


class BinForm(forms.Form):
    bin = forms.CharField(label="Bin", required=False)


@require_GET
@needs("manager")
def warehouses(request: HttpRequest) -> HttpResponse:
    listing = page_of(request, listed.warehouses_matching((request.GET.get("q") or "").strip()))
    return page(request, "setup/warehouses.html", {"section": "warehouses", **listing})


@require_http_methods(["GET", "POST"])
@needs("manager")
def warehouse_new(request: HttpRequest) -> HttpResponse:
    context = {"section": "warehouses", "next": back_to(request, "")}
    if request.method == "GET":
        return page(request, "setup/warehouse_form.html",
                    {**context, "form": {"code": (request.GET.get("code") or "").strip()}})
    data, problems = parsed(WarehouseForm(request.POST))
    if not problems:
        try:
            found = catalog.create_warehouse(data["code"], data["name"])
        except Refused as exc:
            problems = exc.problems
        else:
            default = f"/setup/warehouses/{quote(found.code, safe='')}/?saved=1"
            return HttpResponseRedirect(back_to(request, default))
    return page(request, "setup/warehouse_form.html",
                {**context, "form": request.POST, "problems": problems}, 422)


@require_http_methods(["GET", "POST"])
@needs("manager")
def warehouse(request: HttpRequest, code: str) -> HttpResponse:
    """A warehouse and its bins; the form below adds a bin (`WH/BIN`)."""
    try:
        found = catalog.get_warehouse(code)
    except NotFound as exc:
        return refused(request, exc)
    context: dict[str, Any] = {"section": "warehouses", "warehouse": found,
                               "next": back_to(request, ""), "saved": request.GET.get("saved"),
                               "form": {"bin": (request.GET.get("bin") or "").strip()}}
    if request.method == "POST":
        data, problems = parsed(BinForm(request.POST))
        if not problems:
            try:
                location = catalog.create_bin(found.code, data["bin"])
            except Refused as exc:
                problems = exc.problems
            else:
                default = f"/setup/warehouses/{quote(found.code, safe='')}/?added={quote(location.code)}"
                return HttpResponseRedirect(back_to(request, default))
        context.update(form=request.POST, problems=problems)
        return page(request, "setup/warehouse.html", {**context, "bins": listed.bins_of(found)},
                    422)
    context["added"] = request.GET.get("added")
    return page(request, "setup/warehouse.html", {**context, "bins": listed.bins_of(found)})


# -- parties -----------------------------------------------------------------------------------------

class PartyForm(forms.Form):
    name = forms.CharField(label="Name", required=False)
    customer = forms.BooleanField(label="Customer", required=False)
    supplier = forms.BooleanField(label="Supplier", required=False)
    contact = forms.CharField(label="Contact", required=False)
    email = forms.CharField(label="E-mail", required=False)
    phone = forms.CharField(label="Phone", required=False)
    address = forms.CharField(label="Address", required=False)


PARTY_DETAILS = ("contact", "email", "phone", "address")


def _party(party_id: int) -> Party:
    party = Party.objects.filter(pk=party_id).first()
    if party is None:
        raise NotFound([Problem("not_found", f"no party #{party_id}", field="party")])
    return party


@require_GET
@needs("manager")
def parties(request: HttpRequest) -> HttpResponse:
    role = request.GET.get("role") or ""
    listing = page_of(request, listed.parties_matching((request.GET.get("q") or "").strip(), role))
    return page(request, "setup/parties.html", {"section": "parties", "role_filter": role,
                                                **listing})


@require_http_methods(["GET", "POST"])
@needs("manager")
def party_new(request: HttpRequest) -> HttpResponse:
    context = {"section": "parties", "creating": True, "next": back_to(request, "")}
    if request.method == "GET":
        form = {"name": (request.GET.get("name") or "").strip(),
                "customer": request.GET.get("customer"), "supplier": request.GET.get("supplier")}
        return page(request, "setup/party_form.html", {**context, "form": form})
    data, problems = parsed(PartyForm(request.POST))
    if not problems:
        try:
            found = catalog.create_party(data["name"], customer=data["customer"],
                                         supplier=data["supplier"],
                                         **{k: data[k] for k in PARTY_DETAILS})
        except Refused as exc:
            problems = exc.problems
        else:
            return HttpResponseRedirect(back_to(request, f"/setup/parties/{found.pk}/?saved=1"))
    return page(request, "setup/party_form.html",
                {**context, "form": request.POST, "problems": problems}, 422)


@require_GET
@needs("manager")
def party(request: HttpRequest, party_id: int) -> HttpResponse:
    try:
        found = _party(party_id)
    except NotFound as exc:
        return refused(request, exc)
    return page(request, "setup/party.html", {"section": "parties", "party": found,
                                              "saved": request.GET.get("saved")})


@require_http_methods(["GET", "POST"])
@needs("manager")
def party_edit(request: HttpRequest, party_id: int) -> HttpResponse:
    try:
        found = _party(party_id)
    except NotFound as exc:
        return refused(request, exc)
    context = {"section": "parties", "party": found, "next": back_to(request, "")}
    if request.method == "GET":
        form = {"name": found.name, "customer": found.is_customer or request.GET.get("customer"),
                "supplier": found.is_supplier or request.GET.get("supplier"),
                **{k: getattr(found, k) for k in PARTY_DETAILS}}
        return page(request, "setup/party_form.html", {**context, "form": form})
    data, problems = parsed(PartyForm(request.POST))
    if not problems:
        try:
            catalog.update_party(found.name, customer=data["customer"], supplier=data["supplier"],
                                 **{k: data[k] for k in PARTY_DETAILS})
        except Refused as exc:
            problems = exc.problems
        else:
            return HttpResponseRedirect(back_to(request, f"/setup/parties/{found.pk}/?saved=1"))
    form = {**request.POST.dict(), "name": found.name}
    return page(request, "setup/party_form.html", {**context, "form": form, "problems": problems},
                422)


# -- users and tokens ----------------------------------------------------------------------------

class UserForm(forms.Form):
    username = forms.CharField(label="Username", required=False)
    role = forms.CharField(label="Role", required=False)
    password = forms.CharField(label="Password", required=False, strip=False)


class ChangeUserForm(forms.Form):
    role = forms.CharField(label="Role", required=False)
    active = forms.BooleanField(label="Active", required=False)


class TokenForm(forms.Form):
    name = forms.CharField(label="Name", required=False)
    expires_days = forms.IntegerField(label="Expires after (days)", required=False)


@require_GET
@needs("admin")
def users(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip().lower()
    rows = [u for u in accounts.list_users() if not q or q in u["username"].lower()]
    return page(request, "setup/users.html", {"section": "users", **page_of(request, rows)})


@require_http_methods(["GET", "POST"])
@needs("admin")
def user_new(request: HttpRequest) -> HttpResponse:
    context = {"section": "users", "roles": ROLES}
    if request.method == "GET":
        return page(request, "setup/user_form.html", {**context, "form": {"role": "clerk"}})
    data, problems = parsed(UserForm(request.POST))
    if not problems:
        try:
            created, generated = accounts.create_user(data["username"], data["role"],
                                                      data["password"] or None)
        except Refused as exc:
            problems = exc.problems
        else:
            return _user_page(request, created, generated=generated, created=True)
    form = {k: v for k, v in request.POST.items() if k != "password"}
    return page(request, "setup/user_form.html", {**context, "form": form, "problems": problems},
                422)


def _user_page(request: HttpRequest, found: Any, status: int = 200, **extra: Any) -> HttpResponse:
    return page(request, "setup/user.html", {
        "section": "users", "account": found, "account_role": role_of(found), "roles": ROLES,
        "tokens": accounts.list_tokens(found.username), **extra}, status)


@require_http_methods(["GET", "POST"])
@needs("admin")
def user(request: HttpRequest, username: str) -> HttpResponse:
    """A user: role and whether it may sign in (the form changes them), and its API tokens."""
    try:
        found = accounts.get_user(username)
    except NotFound as exc:
        return refused(request, exc)
    if request.method == "GET":
        return _user_page(request, found, saved=request.GET.get("saved"))
    data, problems = parsed(ChangeUserForm(request.POST))
    if not problems:
        try:
            accounts.change_user(found.username, role=data["role"], active=data["active"],
                                 by=request.user)
        except Refused as exc:
            problems = exc.problems
        else:
            return HttpResponseRedirect(f"/setup/users/{quote(found.username)}/?saved=1")
    return _user_page(request, found, 422, problems=problems)


@require_http_methods(["GET", "POST"])
@needs("viewer")
def my_tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API tokens; a new one is shown once, on the page that made it."""
    username = request.user.get_username()
    context: dict[str, Any] = {"nav": "tokens", "form": {}}
    status = 200
    if request.method == "POST":
        data, problems = parsed(TokenForm(request.POST))
        if not problems:
            try:
                token, raw = accounts.create_token(username, data["name"], data["expires_days"])
            except Refused as exc:
                problems = exc.problems
            else:
                context.update(new_token=raw, new_name=token.name)
        if problems:
            context.update(problems=problems, form=request.POST)
            status = 422
    context["tokens"] = accounts.list_tokens(username)
    return show(request, "setup/tokens.html", context, status=status)


@require_POST
@needs("viewer")
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of your own tokens; an admin may revoke anyone's (from the user's page)."""
    owner = None if has_role(request.user, "admin") else request.user.get_username()
    try:
        accounts.revoke_token(token_id, owner=owner)
    except NotFound as exc:
        return refused(request, exc)
    return HttpResponseRedirect(back_to(request, "/tokens/"))


# -- the station pages' offer to create what a refusal found missing -----------------------------

# A station form's field -> what a refusal naming it may find missing (every station form's
# template shows `{% missing_offers %}` under its refusals).
OFFERED = {"supplier": "supplier", "customer": "customer", "product": "product",
           "replacement_product": "product", "warehouse": "location", "source": "location",
           "destination": "location"}
# A refusal names the engine's field (the API's); the station form may call it otherwise.
FORM_FIELD = {"from": "source", "to": "destination"}


def offers(problems: list[Problem], form: dict[str, Any], user: Any, station: str
           ) -> list[dict[str, str]]:
    """For each refusal of a station form that names something missing (a supplier, customer,
    product, warehouse or bin — or a party that is not yet a supplier or customer): what is
    missing, what would mend it and, for a manager, the link that does it and comes back to
    `station` with the form as it was (for anyone else no link: they are told who can)."""
    found: list[dict[str, str]] = []
    back = f"{station}?{urlencode({k: v for k, v in form.items() if v})}"
    manager = may_set_up(user)
    for problem in problems:
        field = problem.field or ""
        field = field if field in form else FORM_FIELD.get(field, field)
        what = OFFERED.get(field)
        value = str(form.get(field) or "").strip()
        if what is None or not value:
            continue
        if problem.code == "invalid" and what in ("supplier", "customer") and \
                problem.message.endswith(f"is not a {what}"):
            party_id = Party.objects.filter(name=value).values_list("pk", flat=True).first()
            if party_id is None:
                continue
            offer = {"missing": f"{value} is not a {what} yet", "action": f"make {value} a {what}",
                     "url": f"/setup/parties/{party_id}/edit/?"
                     + urlencode({what: "on", "next": back})}
        elif problem.code != "not_found":
            continue
        elif what == "product":
            offer = {"missing": f"There is no product {value} yet",
                     "action": f"create product {value}",
                     "url": "/setup/products/new/?" + urlencode({"sku": value, "next": back})}
        elif what in ("supplier", "customer"):
            offer = {"missing": f"There is no {what} {value} yet",
                     "action": f"create {what} {value}",
                     "url": "/setup/parties/new/?"
                     + urlencode({"name": value, what: "on", "next": back})}
        else:
            code, _, bin_code = value.partition("/")
            if bin_code and Warehouse.objects.filter(code=code).exists():
                offer = {"missing": f"There is no bin {value} yet", "action": f"add bin {value}",
                         "url": f"/setup/warehouses/{quote(code, safe='')}/?"
                         + urlencode({"bin": bin_code, "next": back})}
            else:
                offer = {"missing": f"There is no warehouse {code} yet",
                         "action": f"create warehouse {code}",
                         "url": "/setup/warehouses/new/?" + urlencode({"code": code, "next": back})}
        found.append({**offer, "url": offer["url"] if manager else ""})
    return found

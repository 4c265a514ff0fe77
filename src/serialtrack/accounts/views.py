"""Browser sign-in: a plain login form (throttled like the API's login) and logout."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from serialtrack.accounts.services import authenticate_password, login_allowed


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if ok else "/"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    error = ""
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        password = request.POST.get("password", "")[:1000]
        ip = request.META.get("REMOTE_ADDR", "")
        if not login_allowed(username, ip):
            error, status = "Too many failed logins for this user; try again in 15 minutes.", 429
        else:
            user = authenticate_password(request, username, password, ip)
            if user is None:
                error, status = "Wrong username or password.", 401
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return HttpResponseRedirect(_next(request))
    return render(request, "accounts/login.html", {"error": error, "next": _next(request)},
                  status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect("/login/")

"""`serialtrack user …` and `serialtrack token …`: users with roles, personal API tokens.

A generated password and a new token are printed once; only their hashes are stored."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from serialtrack.cli.common import JsonOpt, command, emit, err, out

user_app = typer.Typer(help="Users and their roles (viewer < clerk < manager < admin).",
                       no_args_is_help=True)
token_app = typer.Typer(help="Personal API tokens (shown once, stored hashed).", no_args_is_help=True)


def _when(value: str | None) -> str:
    return value[:19].replace("T", " ") if value else ""


def _iso(row: dict[str, Any]) -> dict[str, Any]:
    """Times as ISO 8601 in JSON output."""
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in row.items()}


@user_app.command("add")
@command
def user_add(
    name: str,
    role: Annotated[str, typer.Option("--role", help="viewer | clerk | manager | admin")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input "
        "(default: generate one and print it once).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a user with a role."""
    from serialtrack.accounts import services

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    user, generated = services.create_user(name, role, password)
    data = {"username": user.username, "role": role, "password": generated}

    def render(d: dict[str, Any]) -> None:
        out.print(f"user {d['username']} added ({d['role']})", highlight=False)
        if d["password"]:
            out.print(f"password: {d['password']}", markup=False, highlight=False)
            err.print("the password is shown only this once", highlight=False)

    emit(data, as_json, render)


@user_app.command("list")
@command
def user_list(as_json: JsonOpt = False) -> None:
    """List users: role, active, usable tokens, last login."""
    from serialtrack.accounts import services

    rows = [_iso(r) for r in services.list_users()]

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("username", "role", "active", "tokens", "last login")
        for r in rows:
            table.add_row(r["username"], r["role"] or "—", "yes" if r["active"] else "no",
                          str(r["tokens"]), _when(r["last_login"]))
        out.print(table)

    emit(rows, as_json, render)


@token_app.command("create")
@command
def token_create(
    user: str,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "",
    expires: Annotated[int | None, typer.Option("--expires", help="Expire after DAYS days.",
                                                metavar="DAYS")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API token for a user and print it once."""
    from serialtrack.accounts import services

    token, raw = services.create_token(user, name, expires)
    data = {**_iso(services.token_dict(token)), "token": raw}

    def render(d: dict[str, Any]) -> None:
        until = f", expires {_when(d['expires_at'])}" if d["expires_at"] else ""
        out.print(f"token {d['id']} for {d['user']}{until}:", highlight=False)
        out.print(d["token"], markup=False, highlight=False)
        err.print("the token is shown only this once; use it as `Authorization: Bearer <token>`",
                  markup=False, highlight=False)

    emit(data, as_json, render)


@token_app.command("list")
@command
def token_list(user: Annotated[str | None, typer.Argument()] = None,
               as_json: JsonOpt = False) -> None:
    """List API tokens (never their secret), of one user if given."""
    from serialtrack.accounts import services

    rows = [_iso(r) for r in services.list_tokens(user)]

    def render(rows: list[dict[str, Any]]) -> None:
        table = Table("id", "user", "name", "prefix", "state", "created", "expires", "last used")
        for r in rows:
            table.add_row(str(r["id"]), r["user"], r["name"], r["prefix"], r["state"],
                          _when(r["created_at"]), _when(r["expires_at"]), _when(r["last_used_at"]))
        out.print(table)

    emit(rows, as_json, render)


@token_app.command("revoke")
@command
def token_revoke(token_id: Annotated[int, typer.Argument(metavar="ID")],
                 as_json: JsonOpt = False) -> None:
    """Revoke an API token (revoking it again changes nothing)."""
    from serialtrack.accounts import services

    data = _iso(services.token_dict(services.revoke_token(token_id)))
    emit(data, as_json, lambda d: out.print(
        f"token {d['id']} of {d['user']} revoked at {_when(d['revoked_at'])}", highlight=False))

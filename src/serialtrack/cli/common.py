"""What every `serialtrack` command shares: Django set-up, the user who posts, the mapping of
refusals to exit code 3 (`command`), output as text or one JSON document (`emit`), and the
options and input parsers that several commands take."""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

# Piped output (scripts, logs) is not squeezed into 80 columns; COLUMNS still wins if set.
_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
out = Console(width=_WIDTH)
err = Console(stderr=True, width=_WIDTH)

EXIT_REFUSED = 3
EXIT_FAILURE = 1

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
ProductOpt = Annotated[str, typer.Option("--product", "-p", help="Product SKU.")]
SerialsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Serials; a range like device-00121..device-00125 expands."),
]
SerialsFileOpt = Annotated[
    Path | None,
    typer.Option("--serials-file", help="One serial per line, or a CSV/XLSX with a serial column.",
                 exists=True, dir_okay=False),
]
ColumnOpt = Annotated[
    str | None, typer.Option("--column", help="Column of --serials-file holding the serials.")
]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept on the document).")]
QtyOpt = Annotated[int | None, typer.Option("--qty", help="Quantity (default: the serial count).")]

_state: dict[str, Any] = {"user": None}


def bootstrap() -> None:
    """Configure Django and apply migrations on first use."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serialtrack.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def choose_user(name: str | None) -> None:
    """`serialtrack --user NAME`: who posts, for the rest of this command."""
    _state["user"] = name


def current_user() -> Any:
    from serialtrack.posting import system_user

    name = _state["user"] or os.environ.get("SERIALTRACK_USER") or _login_name()
    return system_user(name)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "serialtrack"


F = TypeVar("F", bound=Callable[..., Any])


def command(fn: F) -> F:
    """Set up Django, run the command, map refusals to exit 3 and surprises to exit 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        try:
            bootstrap()
        except Exception as exc:
            fail(exc, as_json)
        from serialtrack.errors import Refused

        try:
            refuse_unstorable_arguments(kwargs)
            return fn(*args, **kwargs)
        except Refused as exc:
            show_refusal(exc, as_json)
            raise typer.Exit(EXIT_REFUSED) from None
        except (typer.Exit, typer.BadParameter):
            raise
        except Exception as exc:
            fail(exc, as_json)

    return wrapper  # type: ignore[return-value]


def refuse_unstorable_arguments(kwargs: dict[str, Any]) -> None:
    """The command line's door: an argument that is not UTF-8 (Python hands its bytes over as
    lone surrogates) or holds a NUL is refused, naming the option and the serial, before any
    command runs."""
    from serialtrack.errors import InvalidInput
    from serialtrack.serials import text_problem

    problems = []
    for name, value in kwargs.items():
        texts = value if isinstance(value, list) else [value]
        field = name.replace("_", "-")
        serial = "serial" in name or name in ("old", "new")
        for text in texts:
            if isinstance(text, str):
                problem = text_problem(text, field, serial=serial, from_bytes=True)
                if problem:
                    problems.append(problem)
    if problems:
        raise InvalidInput(problems, title="Text that cannot be stored")


def fail(exc: Exception, as_json: bool) -> None:
    if os.environ.get("SERIALTRACK_DEBUG") == "1":
        raise exc
    if as_json:
        print(json.dumps({"error": type(exc).__name__, "code": "failure", "detail": str(exc)}))
    else:
        err.print(f"[bold red]failed:[/] {type(exc).__name__}: {exc}", highlight=False)
    raise typer.Exit(EXIT_FAILURE) from None


def show_refusal(exc: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(exc.as_dict(), default=str))
        return
    err.print(f"[bold red]refused:[/] {exc.title} — nothing was changed", highlight=False)
    for problem in exc.problems:
        err.print(f"  • {problem.message}", markup=False, highlight=False)


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    if as_json:
        print(json.dumps(data, default=str))
    else:
        render(data)


def serial_input(serials: list[str] | None, serials_file: Path | None,
                 column: str | None) -> Iterator[str]:
    from serialtrack.serials import expand_tokens, read_serials_file

    if serials:
        yield from expand_tokens(serials)
    if serials_file:
        yield from read_serials_file(serials_file, column)


def maker_input(serials: list[str] | None, serials_file: Path | None, column: str | None,
                maker_flag: bool, maker_column: str | None
                ) -> tuple[Iterator[str], Iterator[str | None]]:
    """(serials, manufacturer serials) of a receipt. `--manufacturer-serials`: what is listed (or
    in the file's `manufacturer_serial` column) are the makers' serials, and the units' own are
    generated. `--manufacturer-column`: the file's serials paired with that column's (a blank
    cell: that unit has none)."""
    from serialtrack.serials import read_serials_file

    if maker_flag:
        if maker_column:
            raise typer.BadParameter("either --manufacturer-serials (the serials listed are the "
                                     "makers') or --manufacturer-column, not both",
                                     param_hint="--manufacturer-column")
        chosen = column or ("manufacturer_serial" if serials_file and serials_file.suffix.lower()
                            in (".csv", ".xlsx") else None)
        return iter(()), serial_input(serials, serials_file, chosen)
    if maker_column:
        if not serials_file:
            raise typer.BadParameter("--manufacturer-column reads --serials-file",
                                     param_hint="--manufacturer-column")
        return (serial_input(serials, serials_file, column),
                (text if text.strip() else None
                 for text in read_serials_file(serials_file, maker_column)))
    return serial_input(serials, serials_file, column), iter(())


def parse_date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD",
                                 param_hint=f"--{field}") from None


def parse_money(value: str | None, field: str = "cost") -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise typer.BadParameter(f"{value!r} is not an amount",
                                 param_hint=f"--{field}") from None
    if not amount.is_finite():
        raise typer.BadParameter(f"{value!r} is not an amount", param_hint=f"--{field}")
    return amount


def posted(doc: Any, as_json: bool) -> None:
    from serialtrack.queries import document_summary

    summary = document_summary(doc)

    def render(s: dict[str, Any]) -> None:
        lines = "; ".join(
            f"{ln['quantity']} × {ln['product']}" + (f" lot {ln['lot']}" if ln["lot"] else "")
            + (f" {ln['from']} →" if ln["from"] else "") + (f" → {ln['to']}" if ln["to"] else "")
            for ln in s["lines"])
        party = f" ({s['party']})" if s["party"] else ""
        out.print(f"[bold green]{s['document']}[/] posted: {s['kind']}{party}: {lines}",
                  highlight=False)

    emit(summary, as_json, render)

"""The posting commands, one per declared operation (`serialtrack.posting.operations`): its
words (`serialtrack ship`, `serialtrack repair start`), its help, and an option per input
field of its declaration, named by the conventions below; the command calls the operation's
entry with them, as the API and the web do.

A serial list (`serials`) is the command's arguments (ranges expand), or `--serials-file`
(with `--column`); a receipt's `manufacturer_serials` are `--manufacturer-serials` (the
serials listed are the makers') or `--manufacturer-column` (a column of the file beside the
serials). Inputs only the API can carry (per-serial dispositions) are not offered here."""

from __future__ import annotations

import datetime as dt
import inspect
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic.fields import FieldInfo

from serialtrack.cli.common import (
    ColumnOpt,
    JsonOpt,
    SerialsArg,
    SerialsFileOpt,
    command,
    current_user,
    maker_input,
    parse_date,
    parse_money,
    posted,
    serial_input,
)
from serialtrack.posting.operations import Operation

# Option names and help by input field, where they are not `--field-name` and the field's
# description.
OPTION_NAMES = {"warehouse": ("--warehouse", "-w"), "product": ("--product", "-p"),
                "quantity": ("--qty",), "order_line": ("--line",)}
# ... and where an operation names a field its own way: the order a receipt / shipment is against
OPERATION_OPTION_NAMES = {("receipt", "order"): ("--po", "--order"),
                          ("shipment", "order"): ("--so", "--order")}
OPTION_HELP = {"product": "Product SKU.", "reason": "Why (kept on the document).",
               "quantity": "Quantity (default: the serial count).", "expiry": "YYYY-MM-DD"}
KW = inspect.Parameter.KEYWORD_ONLY
MakersFlag = Annotated[bool, typer.Option(
    "--manufacturer-serials", "--mfr",
    help="The serials listed (or in --serials-file, column manufacturer_serial) are the "
         "makers': each unit also gets a serial generated from the product's template.")]
MakerColumnOpt = Annotated[str | None, typer.Option(
    "--manufacturer-column",
    help="Column of --serials-file holding each unit's manufacturer serial (beside its "
         "serial).")]


def _plain(annotation: Any) -> Any:
    """The type a field's value has on the command line: text, a whole number, a flag or a
    repeatable option (a list of texts); dates and amounts are text, read by `parse_date` and
    `parse_money`."""
    if typing.get_origin(annotation) is list:
        return list[str]
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if annotation in (int, bool):
        return annotation
    return str


def _option(op: Operation, name: str, field: FieldInfo, argument: bool) -> inspect.Parameter:
    help_text = field.description or OPTION_HELP.get(name)
    if argument:
        info: Any = typer.Argument(help=help_text)
    else:
        names = (OPERATION_OPTION_NAMES.get((op.name, name)) or OPTION_NAMES.get(name)
                 or (f"--{(field.alias or name).replace('_', '-')}",))
        info = typer.Option(*names, help=help_text)
    kind = _plain(field.annotation)
    required = field.is_required()
    annotation = Annotated[kind if required else kind | None, info]
    default = inspect.Parameter.empty if required else (
        None if field.default_factory or field.default is None else field.default)
    return inspect.Parameter(name, KW, annotation=annotation, default=default)


def _parameters(op: Operation) -> list[inspect.Parameter]:
    fields = op.body.model_fields
    params = [inspect.Parameter(name, KW, annotation=Annotated[str, typer.Argument()])
              for name in op.path_fields]
    for name, field in fields.items():
        if name == "serials":
            params.append(inspect.Parameter("serials", KW, annotation=SerialsArg, default=None))
        elif name == "manufacturer_serials":
            params.append(inspect.Parameter("makers", KW, annotation=MakersFlag, default=False))
            params.append(inspect.Parameter("maker_column", KW, annotation=MakerColumnOpt,
                                            default=None))
        elif typing.get_origin(field.annotation) is dict:
            continue  # API only
        else:
            params.append(_option(op, name, field, argument=name in op.cli_arguments))
    if "serials" in fields:
        params.append(inspect.Parameter("serials_file", KW, annotation=SerialsFileOpt,
                                        default=None))
        params.append(inspect.Parameter("column", KW, annotation=ColumnOpt, default=None))
    params.append(inspect.Parameter("as_json", KW, annotation=JsonOpt, default=False))
    return params


def _read(op: Operation, given: dict[str, Any]) -> dict[str, Any]:
    """The entry's arguments from what the command line gave."""
    fields = op.body.model_fields
    serials: list[str] | None = given.pop("serials", None)
    serials_file: Path | None = given.pop("serials_file", None)
    column: str | None = given.pop("column", None)
    makers = given.pop("makers", False)
    maker_column = given.pop("maker_column", None)
    values: dict[str, Any] = {}
    for name, value in given.items():
        annotation = fields[name].annotation if name in fields else str
        kinds = {*typing.get_args(annotation), annotation}
        if value is not None and dt.date in kinds:
            value = parse_date(value, name)
        elif value is not None and Decimal in kinds:
            value = parse_money(value, name)
        values[name] = value
    if "manufacturer_serials" in fields:
        values["serials"], values["manufacturer_serials"] = maker_input(
            serials, serials_file, column, makers, maker_column)
    elif "serials" in fields:
        values["serials"] = serial_input(serials, serials_file, column)
    return values


def posting_command(op: Operation) -> Callable[..., None]:
    """The command of `op`: its options from its declaration, posted through its entry."""

    def run(**given: Any) -> None:
        as_json = bool(given.pop("as_json", False))
        posted(op.post(current_user(), **_read(op, given)), as_json)

    run.__signature__ = inspect.Signature(_parameters(op))  # type: ignore[attr-defined]
    run.__name__ = op.name
    run.__doc__ = op.help
    return command(run)

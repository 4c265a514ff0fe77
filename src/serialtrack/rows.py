"""Model instances from one hand-written join, for the few reads on a hot path (every scan at a
bench reads its draft). The ORM spends about 1.5 ms compiling a `select_related` of four
relations; the statement itself takes 0.05 ms. `Joined` writes the SELECT list once per model
and turns each slice of a row into an instance with the same database converters the ORM uses.

`loaded` makes the instance as unpickling does, without `Model.__init__`: that sets each field
through its descriptor and sends the model's pre_init and post_init signals, and for the four
rows of a scan (the token's user, the draft, its line and product) it was about 6 % of the
scan's CPU."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

Converter = Callable[[Any, Any, Any], Any]


def loaded(model: type[models.Model], db: str, names: Sequence[str], values: Sequence[Any]
           ) -> models.Model:
    """What `model.from_db(db, names, values)` returns, for `names` = every concrete field's
    attname: the values go straight into the new instance's `__dict__` (for a new instance the
    fields' descriptors do no more than that). A model with its own `__init__`, or with a
    receiver of pre_init or post_init (an ImageField has one), goes through `from_db`."""
    if (model.__init__ is not models.Model.__init__ or pre_init.has_listeners(model)
            or post_init.has_listeners(model)):
        return model.from_db(db, names, values)
    obj = model.__new__(model)
    obj.__dict__.update(zip(names, values, strict=True))
    state = obj._state = ModelState()
    state.adding, state.db = False, db
    return obj


class Joined:
    """The columns of `parts` (model, table alias) in one SELECT list, and the instances
    (None for a LEFT JOIN that found nothing) built from a row of it."""

    def __init__(self, *parts: tuple[type[models.Model], str]) -> None:
        self.parts = parts
        self.fields = [(model, alias, list(model._meta.concrete_fields)) for model, alias in parts]
        self.select = ", ".join(f"{alias}.{f.column}" for _m, alias, fields in self.fields
                                for f in fields)
        self.names = [[f.attname for f in fields] for _m, _a, fields in self.fields]
        self.pk_at = [fields.index(model._meta.pk) for model, _a, fields in self.fields]
        self._converters: dict[str, list[list[tuple[int, Any, list[Converter]]]]] = {}

    def _converters_for(self, connection: Any) -> list[list[tuple[int, Any, list[Converter]]]]:
        """Per part, (field index, converters) of the fields that need converting on this
        database (SQLite returns dates as text, decimals as floats, JSON as text …)."""
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for model, _alias, fields in self.fields:
                table = model._meta.db_table
                found.append([(i, f.get_col(table), conv) for i, f in enumerate(fields)
                              if (conv := connection.ops.get_db_converters(f.get_col(table))
                                  + f.get_db_converters(connection))])
            self._converters[connection.vendor] = found
        return found

    def build(self, row: Sequence[Any]) -> list[models.Model | None]:
        connection = connections[DEFAULT_DB_ALIAS]
        alias = connection.alias
        out: list[models.Model | None] = []
        start = 0
        for (model, _alias, fields), names, pk_at, converters in zip(
                self.fields, self.names, self.pk_at, self._converters_for(connection), strict=True):
            values = list(row[start:start + len(fields)])
            start += len(fields)
            if values[pk_at] is None:  # a LEFT JOIN that found nothing
                out.append(None)
                continue
            for i, expression, conv in converters:
                for fn in conv:
                    values[i] = fn(values[i], expression, connection)
            out.append(loaded(model, alias, names, values))
        return out

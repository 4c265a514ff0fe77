"""Rules a manager may set aside for one document, with a reason kept in the history: shipping
expired stock, accepting a scan whose label contradicts the unit's record. The flag asks for
the override; the reason is required and recorded on the document and its movements."""

from __future__ import annotations

from typing import Any

from serialtrack.accounts.roles import has_role
from serialtrack.errors import InvalidInput, NotPermitted, Problem

OVERRIDE_ROLE = "manager"


def check_override(user: Any, flag: str, reason: str) -> None:
    """Refuse (before anything is read or written) an override asked for by `flag` when the
    user's role is below manager, or when no reason is given."""
    if not has_role(user, OVERRIDE_ROLE):
        name = getattr(user, "username", "") or "this user"
        raise NotPermitted([Problem(
            "not_permitted", f"{flag.replace('_', '-')} needs the {OVERRIDE_ROLE} role; "
            f"{name} does not have it", field=flag, extra={"role_needed": OVERRIDE_ROLE})])
    if not reason or not reason.strip():
        raise InvalidInput([Problem("invalid", f"{flag.replace('_', '-')} needs a reason "
                                    "(kept in the history)", field="reason")])


def override_note(what: str, reason: str) -> str:
    """The movement note of an overridden rule: what was let through, by whose reason."""
    return f"override: {what} — {reason.strip()}"

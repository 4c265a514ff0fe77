"""Roles, hierarchical: admin ⊇ manager ⊇ clerk ⊇ viewer.

- viewer: read only;
- clerk: receipts, shipments, returns, transfers, holds;
- manager: adjustments, write-offs, repairs, products, warehouses, parties;
- admin: users and tokens (anyone may create and revoke their own tokens: a token acts with
  its user's role, never more).

A superuser is an admin; any other user's role is its one Django group named after a role.
Inactive and anonymous users have no role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

from serialtrack.errors import InvalidInput, Problem

ROLES: tuple[str, ...] = ("viewer", "clerk", "manager", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}
_CACHE = "_serialtrack_role"  # the role, remembered on the user object (one query per user)


def role_problem(role: Any) -> Problem | None:
    if role not in _RANK:
        return Problem("invalid", f"role {role!r} is not one of {', '.join(ROLES)}", field="role")
    return None


def role_of(user: Any) -> str | None:
    """The user's role: `admin` for a superuser, else its role group; None without one."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    if user.is_superuser:
        return "admin"
    if not hasattr(user, _CACHE):
        names = [g.name for g in user.groups.all()] if _groups_prefetched(user) else list(
            user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        ranked = sorted((n for n in names if n in _RANK), key=_RANK.__getitem__)
        # One group is the rule (set_role keeps it so); if hand edits left several, the lowest
        # one counts: a doubt never grants more.
        setattr(user, _CACHE, ranked[0] if ranked else None)
    return getattr(user, _CACHE)


def _groups_prefetched(user: Any) -> bool:
    return "groups" in getattr(user, "_prefetched_objects_cache", {})


def has_role(user: Any, needed: str) -> bool:
    """Whether the user holds `needed` or a role above it. Inactive/anonymous: never."""
    if needed not in _RANK:
        raise ValueError(f"unknown role {needed!r}")
    if user is None or not getattr(user, "is_active", False):
        return False
    role = role_of(user)
    return role is not None and _RANK[role] >= _RANK[needed]


@transaction.atomic
def set_role(user: Any, role: str | None) -> None:
    """Give the user exactly this role (None: no role). Refuses an unknown role."""
    if role is not None:
        bad = role_problem(role)
        if bad:
            raise InvalidInput([bad])
    current = list(user.groups.filter(name__in=ROLES))
    user.groups.remove(*[g for g in current if g.name != role])
    if role is not None and role not in {g.name for g in current}:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    if user.is_superuser and role != "admin":
        user.is_superuser = False
        user.save(update_fields=["is_superuser"])
    setattr(user, _CACHE, role)
    if "groups" in getattr(user, "_prefetched_objects_cache", {}):
        del user._prefetched_objects_cache["groups"]

"""Users are Django's; a user's role is its one group (viewer < clerk < manager < admin).

This app adds API tokens (only a hash of each is stored) and the login-failure log the
password throttle counts."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A bearer token for the REST API. The raw token is shown once; only its SHA-256 is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=16, db_index=True,
                              help_text="Public part of the token, shown in lists.")
    key_hash = models.CharField(max_length=64, unique=True,
                                help_text="SHA-256 hex of the raw token.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"st_{self.prefix}_… ({self.name or 'unnamed'})"


class LoginFailure(models.Model):
    """One failed password login: the throttle counts these per username over a window."""

    username = models.CharField(max_length=150)
    ip = models.CharField(max_length=64, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["username", "at"], name="login_failure_user_at")]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip or '?'} at {self.at:%Y-%m-%d %H:%M:%S}"

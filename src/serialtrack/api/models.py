from django.db import models


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an `Idempotency-Key`: a retry gets it back."""

    scope = models.CharField(max_length=64)  # who: hash of the token, or the session's user
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # method, path and body
    status_code = models.PositiveSmallIntegerField(null=True)  # null while the first is running
    content_type = models.CharField(max_length=100, blank=True, default="")
    body = models.BinaryField(null=True)
    # While the first request runs: the process serving it (host, boot, pid, start time). A
    # record whose process is gone answers nothing: a retry takes the key over (idempotency.py).
    owner = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique"),
        ]

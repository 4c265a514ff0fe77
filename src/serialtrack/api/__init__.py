"""The REST API (django-ninja) under /api/: OpenAPI at /api/openapi.json, docs at /api/docs."""

"""WSGI entry point, for any WSGI server (`serialtrack serve` runs gunicorn with it, configured
by `serialtrack.server`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serialtrack.settings")
application = get_wsgi_application()

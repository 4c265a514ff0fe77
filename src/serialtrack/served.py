"""The WSGI application each worker of `serialtrack serve` loads: uWSGI imports this module in
every worker after forking it (serialtrack.server describes what the worker adds to Django's
application). Other WSGI servers take `serialtrack.wsgi:application`."""

from serialtrack.server import start_worker

application = start_worker()

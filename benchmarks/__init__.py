"""serialtrack's benchmark (`make bench`): kept beside the package, not shipped inside it.

common: names, sizes, the worker processes and the fresh databases every part uses;
receipts: receipts, a shipment and lookups on SQLite and PostgreSQL;
api: the REST API under load behind `serialtrack serve`; load: its client processes;
report: the tables and the targets' verdicts; cli: the command (`python -m benchmarks`)."""

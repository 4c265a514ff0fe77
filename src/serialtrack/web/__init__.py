"""The web pages: scan stations (receive, ship, return), unit and document pages, the serial
report. Server-rendered templates with htmx; every rule lives in the posting engine and the
queries these views call."""

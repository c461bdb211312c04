"""`PANELBOT_LOG_FORMAT=json`: one JSON object per line, for a log service to search.

Each line has `time` (UTC, ISO 8601 with milliseconds), `level`, `logger` and `message`, and, where they apply:

* `request_id`, `platform` and `route`: the HTTP request the line was logged while serving (set by the web
  server's middleware, `bot.server`, through `REQUEST`); a platform's own retry of a request is a new request;
* `command`, `reference`, `outcome`, `duration_ms`, `status`: when a line is logged with them as `extra=`;
* `exception`: the exception's type, and `traceback` its traceback, as the text format would print it.

The message is the same text the text format prints: no field here is filled from what people typed (reasons,
summaries) or from a secret, and only the names above are taken from `extra=`, so an `extra` that a library
passes cannot bring anything else in.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

# The request being served: {"request_id": ..., "platform": ..., "route": ...} (bot.server's middleware).
REQUEST: ContextVar[dict[str, str] | None] = ContextVar("panelbot_request", default=None)

EXTRA_FIELDS = ("platform", "route", "command", "reference", "outcome", "duration_ms", "status", "request_id")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = record.__dict__.get("panelbot_request", REQUEST.get())
        if request:
            line.update({k: v for k, v in request.items() if v})
        for name in EXTRA_FIELDS:
            value = record.__dict__.get(name)
            if value is not None and value != "":
                line[name] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
            line["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["traceback"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _stamp(record: logging.LogRecord) -> bool:
    """Note the request being served on the record as it is logged (a handler may format it later)."""
    if "panelbot_request" not in record.__dict__:
        record.panelbot_request = REQUEST.get()
    return True


def use_json(handler: logging.Handler) -> None:
    """Make `handler` write JSON lines (`configure_logging` with PANELBOT_LOG_FORMAT=json)."""
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_stamp)

"""Structured JSON logs, one object per line (or text lines for a terminal), with
secrets redacted before output.

Two layers keep secrets out: values under secret-sounding keys in ``extra`` fields
are replaced (:func:`tradecore.domain.redaction.redact`), and every known secret
*value* (API keys, SMTP password, webhook secret, handed over by the app) is
scrubbed from the message, its arguments, extras and exception text, wherever it
appears. The filter sits on the handler, so records from every logger pass it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from tradecore.domain.redaction import redact, scrub

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


def exception_text(record: logging.LogRecord) -> str:
    """The record's exception as logged: a traceback, or one line for network noise.

    A library's connection failure (an ``OSError``: refused, reset, timed out) is
    summarised as ``Type: message``: alpaca-py logs every failed stream reconnect
    with its traceback, and a server that is down would fill the log with identical
    tracebacks while the adapter already logs what it does about it. Everything else,
    and every exception our own code logs, keeps its traceback.
    """
    assert record.exc_info is not None
    error = record.exc_info[1]
    ours = record.name == "tradecore" or record.name.startswith("tradecore.")
    if isinstance(error, OSError) and not ours:
        return f"{type(error).__name__}: {error}"
    return logging.Formatter().formatException(record.exc_info)


class JsonFormatter(logging.Formatter):
    """Formats a record as one compact JSON object with sorted keys."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the JSON line for ``record``."""
        document: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = exception_text(record)
        if record.exc_text:
            document["exception"] = record.exc_text
        for key, value in _extras(record).items():
            document.setdefault(key, value)
        return json.dumps(document, sort_keys=True, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """One readable line per record, for a person at a terminal.

    ``HH:MM:SS level logger: message key=value ...``: the same fields as the JSON
    line (extras as ``key=value``, JSON-encoded when not a plain string), so
    switching format loses nothing but machine-readability.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the text line for ``record`` (plus its exception, if any)."""
        at = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S")
        parts = [
            f"{at} {record.levelname.lower():<7} {record.name}: {record.getMessage()}"
        ]
        for key, value in sorted(_extras(record).items()):
            shown = value if isinstance(value, str) else json.dumps(value, default=str)
            parts.append(f"{key}={shown}")
        if record.exc_info and not record.exc_text:
            record.exc_text = exception_text(record)
        line = " ".join(parts)
        return f"{line}\n{record.exc_text}" if record.exc_text else line


#: ``--log-format`` values and the formatter of each.
FORMATTERS: dict[str, type[logging.Formatter]] = {
    "json": JsonFormatter,
    "text": TextFormatter,
}


class RedactingFilter(logging.Filter):
    """Removes secret values and secret-named fields from every record it passes."""

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        """Scrub each non-empty string of ``secrets`` wherever it appears."""
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place; always let it through."""
        record.msg = scrub(record.getMessage(), self._secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = exception_text(record)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, self._secrets)
        for key, value in _extras(record).items():
            setattr(record, key, self._clean({key: value})[key])
        return True

    def _clean(self, value: object) -> Any:
        value = redact(value)
        if isinstance(value, str):
            return scrub(value, self._secrets)
        if isinstance(value, dict):
            return {k: self._clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._clean(v) for v in value]
        return value


def configure_json_logging(
    *,
    level: int | str = logging.INFO,
    stream: TextIO | None = None,
    secrets: Sequence[str] = (),
    logger: logging.Logger | None = None,
    fmt: str = "json",
) -> logging.Handler:
    """Send ``logger``'s records (default: the root logger) to ``stream`` as JSON
    lines, or as text lines with ``fmt="text"`` (both redacted the same way).

    Returns the installed handler, so a caller (or a test) can remove it again.

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATTERS`.
    """
    if fmt not in FORMATTERS:
        raise ValueError(f"log format {fmt!r}: expected one of {', '.join(FORMATTERS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(FORMATTERS[fmt]())
    handler.addFilter(RedactingFilter(secrets))
    target = logger or logging.getLogger()
    target.addHandler(handler)
    target.setLevel(level)
    return handler

"""JSON log lines, and secrets that never reach them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from tradecore.adapters.logging_json import configure_json_logging

SECRET = "PKTEST-abcdef-0123456789"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    logger = logging.getLogger("tradecore.test.json")
    logger.propagate = False
    handler = configure_json_logging(stream=stream, secrets=[SECRET], logger=logger)
    yield logger, stream
    logger.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_object_with_its_extras(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.info("cycle %d done", 7, extra={"submitted": 3, "skipped": {"risk": 1}})
    [line] = _lines(stream)
    assert line["message"] == "cycle 7 done"
    assert line["level"] == "info"
    assert line["logger"] == "tradecore.test.json"
    assert line["submitted"] == 3
    assert line["skipped"] == {"risk": 1}
    assert str(line["ts"]).endswith("+00:00")


def test_a_secret_never_appears_wherever_it_is_logged(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.warning(f"key is {SECRET}")
    logger.warning("key is %s", SECRET)
    logger.warning(
        "context", extra={"settings": {"note": f"x{SECRET}y", "n": [SECRET]}}
    )
    logger.warning("named", extra={"alpaca": {"api_key": "short", "secret_key": "k"}})
    try:
        raise RuntimeError(f"login failed with {SECRET}")
    except RuntimeError:
        logger.exception("broker said no")
    text = stream.getvalue()
    assert SECRET not in text
    assert text.count("***") >= 6
    lines = _lines(stream)
    assert lines[3]["alpaca"] == {"api_key": "***", "secret_key": "***"}
    assert "RuntimeError: login failed with ***" in str(lines[4]["exception"])


def _logged_exception(name: str, error: Exception) -> dict[str, object]:
    stream = io.StringIO()
    logger = logging.getLogger(name)
    logger.propagate = False
    handler = configure_json_logging(stream=stream, secrets=[SECRET], logger=logger)
    try:
        try:
            raise error
        except Exception:
            logger.exception("error during websocket communication")
    finally:
        logger.removeHandler(handler)
    [line] = _lines(stream)
    return line


def test_a_librarys_connection_failure_is_one_line_not_a_traceback() -> None:
    refused = ConnectionRefusedError(111, f"Connect call failed {SECRET}")
    line = _logged_exception("alpaca.trading.stream", refused)
    assert (
        line["exception"]
        == "ConnectionRefusedError: [Errno 111] Connect call failed ***"
    )
    assert "Traceback" not in json.dumps(line)


def test_other_exceptions_and_our_own_keep_their_traceback() -> None:
    library_bug = _logged_exception("alpaca.trading.stream", KeyError("data"))
    assert str(library_bug["exception"]).startswith("Traceback (most recent call last)")
    ours = _logged_exception("tradecore.adapters.alpaca.stream", ConnectionResetError())
    assert str(ours["exception"]).startswith("Traceback (most recent call last)")

"""The text log format: one readable line, redacted exactly like the JSON one."""

from __future__ import annotations

import io
import logging

import pytest

from tradecore.adapters.logging_json import configure_json_logging


def test_text_lines_carry_extras_and_scrub_secrets() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("tradecore.test_text")
    logger.propagate = False
    handler = configure_json_logging(
        stream=stream, secrets=["hunter2"], logger=logger, fmt="text"
    )
    try:
        logger.info(
            "connected with hunter2", extra={"port": 9464, "password": "hunter2"}
        )
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    line = stream.getvalue().strip()
    assert "\n" not in line
    assert " info    tradecore.test_text: connected with " in line
    assert "hunter2" not in line
    assert "port=9464" in line
    assert "password=***" in line


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="'xml'"):
        configure_json_logging(fmt="xml", logger=logging.getLogger("tradecore.x"))

"""HTML escaping for the report pages, without importing the ``html`` package.

Why: ``from html import escape`` imports ``html.entities`` too (its tables of
every named character reference, built at import), about 9 M instructions of a
short replay's start-up, and the report only ever escapes. :func:`escape` is the
standard library's ``html.escape`` (``quote=True``), step for step (a property
holds the two equal).
"""

from __future__ import annotations


def escape(text: str) -> str:
    """Replace ``&``, ``<``, ``>``, ``"`` and ``'`` by their HTML-safe sequences."""
    text = text.replace("&", "&amp;")  # must be first
    text = text.replace("<", "&lt;")
    text = text.replace(">", "&gt;")
    text = text.replace('"', "&quot;")
    return text.replace("'", "&#x27;")

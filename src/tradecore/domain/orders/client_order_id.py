"""Deterministic client order ids: a pure function of the decision key and attempt.

The id is what makes exactly-once possible: every process on every machine derives the
same id for the same decision, so a retry reuses it (the broker de-duplicates) and a
crash never produces a second order. Alpaca refuses any id it has *ever* seen, so a
new attempt of the same decision (after a reject or a cancel-to-replace) gets a new id.

Format: ``<prefix>-<32 hex of sha256>-<attempt>``, at most 46 characters from
``[a-z0-9-]`` (Alpaca allows up to 48). The 128-bit digest makes collisions negligible;
the prefix (from the strategy id) and the attempt keep the id readable in a blotter.
"""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import date
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _quoted

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import canonical_decimal, sha256_hex
from tradecore.domain.orders.spec import Side

MAX_ATTEMPT = 9999
MAX_SLICE_INDEX = 9999
MAX_LENGTH = 48
_PREFIX_LEN = 8
_DIGEST_LEN = 32
CLIENT_ORDER_ID_RE = re.compile(r"^[a-z0-9]{1,8}-[0-9a-f]{32}-[0-9]{1,4}$")


@attrs.frozen(kw_only=True, slots=True)
class DecisionKey:
    """The canonical identity of one trading decision."""

    strategy_id: str = attrs.field(validator=v.non_empty_str)
    symbol: str = attrs.field(validator=v.symbol)
    side: Side = attrs.field(validator=v.instance_of(Side))
    session_date: date = attrs.field(validator=v.instance_of(date))
    horizon: str = attrs.field(validator=v.non_empty_str)
    signal_hash: str = attrs.field(validator=v.non_empty_str)
    qty: Decimal = attrs.field(validator=v.positive_decimal)
    version: int = attrs.field(default=1, validator=v.instance_of(int))

    def digest(self) -> str:
        """Return the sha256 of the key's canonical encoding."""
        return sha256_hex(self)


@functools.lru_cache(maxsize=256)
def strategy_prefix(strategy_id: str) -> str:
    """Return the short readable prefix: the strategy id's first alphanumerics."""
    cleaned = re.sub(r"[^a-z0-9]", "", strategy_id.lower())[:_PREFIX_LEN]
    return cleaned or "tc"


def client_order_id(key: DecisionKey, attempt: int = 1) -> str:
    """Derive the client order id for ``attempt`` (1-based) of the decision ``key``.

    Raises:
        InvalidInput: ``attempt`` is not in 1..9999.
    """
    if attempt.__class__ is not int or not 1 <= attempt <= MAX_ATTEMPT:
        _check_counter(
            "attempt", attempt, 1, MAX_ATTEMPT
        )  # raises (or an int subclass)
    if key.__class__ is DecisionKey and key.version.__class__ is int:
        encoded = _spelled(key, attempt)
        digest = hashlib.sha256(encoded).hexdigest()[:_DIGEST_LEN]
    else:
        digest = sha256_hex({"key": key, "attempt": attempt})[:_DIGEST_LEN]
    return f"{strategy_prefix(key.strategy_id)}-{digest}-{attempt}"


def _spelled(key: DecisionKey, attempt: int) -> bytes:
    """``canonical_bytes({"key": key, "attempt": attempt})``, spelled directly.

    An id is derived for every order; the generic encoder walks the key's fields and
    builds a dict per call. The spelling is the canonical one (sorted keys, compact,
    ASCII-escaped strings, plain decimals); a property test holds the two equal.
    A side is a str enum: quoted as it is, it is its value.
    """
    return (
        f'{{"attempt":{attempt},"key":{{"horizon":{_quoted(key.horizon)},'
        f'"qty":{_quoted(canonical_decimal(key.qty))},'
        f'"session_date":"{_day(key.session_date)}",'
        f'"side":{_quoted(key.side)},'
        f'"signal_hash":{_quoted(key.signal_hash)},'
        f'"strategy_id":{_quoted(key.strategy_id)},'
        f'"symbol":{_quoted(key.symbol)},"version":{key.version}}}}}'
    ).encode("ascii")


#: The last session date spelled, and its text: a replay's ids share one date
#: object per session (the calendar's), spelled once instead of once per order.
_LAST_DAY: list[tuple[date, str]] = [(date.min, date.min.isoformat())]


def _day(value: date) -> str:
    """``value.isoformat()``, remembered for the last exact ``date`` asked about."""
    last, text = _LAST_DAY[0]
    if value is last:
        return text
    text = value.isoformat()
    if value.__class__ is date:  # a subclass may spell itself otherwise
        _LAST_DAY[0] = (value, text)
    return text


def slice_client_order_id(key: DecisionKey, slice_index: int, attempt: int = 1) -> str:
    """Derive the client order id of child slice ``slice_index`` (0-based) of ``key``.

    A pure function of the parent's decision key, the slice index and the attempt
    (never of the slice's size, which a POV slicer derives from observed volume), so a
    restart re-deriving slice i gets the id the broker already knows. The format is
    the parent's (the attempt still parses with :func:`attempt_of`); the digest covers
    the slice index, so no slice id equals the parent's or another slice's.

    Raises:
        InvalidInput: ``slice_index`` is not in 0..9999 or ``attempt`` not in 1..9999.
    """
    _check_counter("slice_index", slice_index, 0, MAX_SLICE_INDEX)
    _check_counter("attempt", attempt, 1, MAX_ATTEMPT)
    content = {"key": key, "slice": slice_index, "attempt": attempt}
    digest = sha256_hex(content)[:_DIGEST_LEN]
    return f"{strategy_prefix(key.strategy_id)}-{digest}-{attempt}"


def _check_counter(field: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, value, "expected an int")
    if not low <= value <= high:
        raise InvalidInput(field, value, f"must be in {low}..{high}")


def attempt_of(client_id: str) -> int:
    """Return the attempt number encoded in a tradecore client order id.

    Raises:
        InvalidInput: the id was not made by :func:`client_order_id`.
    """
    if not CLIENT_ORDER_ID_RE.match(client_id):
        raise InvalidInput(
            "client_order_id", client_id, "not a tradecore client order id"
        )
    return int(client_id.rsplit("-", 1)[1])

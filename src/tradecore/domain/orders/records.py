"""Decision, outcome and audit records: what was decided, what came of it, who did what."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import iso_instant, sha256_hex


@attrs.frozen(kw_only=True, slots=True)
class DecisionRecord:
    """Everything a decision depended on, keyed by a content-derived ``decision_id``."""

    decision_id: str = attrs.field(validator=v.non_empty_str)
    strategy_id: str = attrs.field(validator=v.non_empty_str)
    symbol: str = attrs.field(validator=v.symbol)
    decided_at: datetime = attrs.field(validator=v.utc_datetime)
    inputs_hash: str = ""
    model_hash: str = ""
    cost_model_hash: str = ""
    config_hash: str = ""
    #: Hash of the signed manifest in force (``None``: none was loaded, e.g. old rows).
    manifest_hash: str | None = None
    #: Sizing, risk, policy and their reasons, as JSON-able primitives.
    details: Mapping[str, object] = attrs.field(factory=dict)

    @classmethod
    def keyed(
        cls,
        *,
        strategy_id: str,
        symbol: str,
        decided_at: datetime,
        inputs_hash: str,
        **fields: Any,
    ) -> DecisionRecord:
        """Build a decision whose id is derived by :meth:`make_id` from its key."""
        return cls(
            decision_id=cls.make_id(strategy_id, symbol, decided_at, inputs_hash),
            strategy_id=strategy_id,
            symbol=symbol,
            decided_at=decided_at,
            inputs_hash=inputs_hash,
            **fields,
        )

    @staticmethod
    def make_id(
        strategy_id: str, symbol: str, decided_at: datetime, inputs_hash: str
    ) -> str:
        """Derive a decision id from what identifies the decision (never from time of run)."""
        # The instant spelled first: a list of strings hashes without the encoder.
        return DecisionRecord.spelled_id(
            strategy_id, symbol, iso_instant(decided_at), inputs_hash
        )

    @staticmethod
    def spelled_id(
        strategy_id: str, symbol: str, instant: str, inputs_hash: str
    ) -> str:
        """:meth:`make_id` of a decision whose instant is already spelled
        (``instant`` is :func:`~tradecore.domain.hashing.iso_instant`'s): a caller
        deciding many orders at one instant spells it once."""
        return sha256_hex([strategy_id, symbol, instant, inputs_hash])[:32]


class OutcomeKind(enum.StrEnum):
    """The three things a decision can come to."""

    SUBMITTED = "submitted"
    SKIPPED = "skipped"
    FAILED = "failed"


@attrs.frozen(kw_only=True, slots=True)
class OutcomeRecord:
    """Exactly one per decision: submitted (with the order), skipped (why) or failed."""

    decision_id: str = attrs.field(validator=v.non_empty_str)
    kind: OutcomeKind = attrs.field(validator=v.instance_of(OutcomeKind))
    recorded_at: datetime = attrs.field(validator=v.utc_datetime)
    client_order_id: str | None = None
    #: Reason code, e.g. ``risk:max_order_notional`` or ``cost_exceeds_edge``.
    reason: str | None = None
    details: Mapping[str, object] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        if self.kind is OutcomeKind.SUBMITTED and not self.client_order_id:
            raise InvalidInput("client_order_id", None, "a submitted outcome needs it")
        if self.kind is not OutcomeKind.SUBMITTED and not self.reason:
            raise InvalidInput("reason", None, f"a {self.kind.value} outcome needs one")


@attrs.frozen(kw_only=True, slots=True)
class AuditEntry:
    """One hash-chained audit row: ``row_hash = sha256(prev_hash + payload)``."""

    seq: int
    recorded_at: datetime = attrs.field(validator=v.utc_datetime)
    kind: str = attrs.field(validator=v.non_empty_str)
    payload: Mapping[str, object] = attrs.field(factory=dict)
    prev_hash: str = ""
    row_hash: str = ""


GENESIS_HASH = "0" * 64


def audit_row_hash(
    prev_hash: str, kind: str, recorded_at: datetime, payload: object
) -> str:
    """Return the chained hash of an audit row (the one definition of the chain)."""
    return sha256_hex(
        {"prev": prev_hash, "kind": kind, "at": recorded_at, "payload": payload}
    )


@attrs.frozen(slots=True)
class AuditVerification:
    """Result of walking the audit chain: intact, or the first bad row and why."""

    rows: int
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        """True when every row's hash and link checked out."""
        return self.first_bad_seq is None

"""The one exception hierarchy of tradecore.

Every error a user can see derives from :class:`TradecoreError`. Adapters translate
their library's exceptions into these at the adapter boundary (``raise ... from e``),
so services, the CLI's exit-code map and the contract suites import one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradecore.domain.broker_rules.breach import RuleBreach


class TradecoreError(Exception):
    """Root of every error tradecore raises on purpose."""

    #: Whether retrying the same operation unchanged may succeed.
    retryable: bool = False


# --- input and invariants -------------------------------------------------------------


class DomainError(TradecoreError):
    """An invariant of the domain model was violated."""


class InvalidInput(DomainError, ValueError):
    """A value is malformed or out of range; the message names the field and value.

    Raised at the edges (bar files, order specs, config values, rows read back from the
    store) before anything is stored, so nothing already stored changes.
    """

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")


class InvalidBarData(InvalidInput):
    """A row of bar arrays failed validation; ``row`` is its 0-based index.

    Raised by the vectorized bar validator, which checks a whole column at once and
    reports the first offending row so a loader can turn it into a file line.
    """

    def __init__(self, field: str, value: object, reason: str, *, row: int) -> None:
        super().__init__(field, value, reason)
        self.row = row
        self.args = (f"row {row}, field {field!r}: {value!r} {reason}",)


class StrategyError(DomainError, TypeError):
    """A strategy broke its protocol while running: it returned something that is not
    a target (or a sequence of them), or targeted a symbol the market has not shown.
    The message names the strategy and what it returned."""


class BarFileError(InvalidInput):
    """A bar file (or folder of them) is malformed; names the file, line and field.

    ``line`` is the 1-based line in a CSV file (the header is line 1) or the 1-based
    record number in a Parquet file; it is ``None`` when the problem is the whole file
    (a missing column) or the folder (no bar files at all).
    """

    def __init__(
        self,
        file: str,
        field: str,
        value: object,
        reason: str,
        *,
        line: int | None = None,
    ) -> None:
        super().__init__(field, value, reason)
        self.file = file
        self.line = line
        where = file if line is None else f"{file} line {line}"
        self.args = (f"{where}, field {field!r}: {reason}",)


class BarQualityError(DomainError):
    """Bars break data-quality rules and the run is strict: one line per problem.

    ``problems`` are the first few (``"AAPL.csv line 7: AAPL 2024-01-02T14:30:00Z
    jump (...)"``); ``total`` counts them all.
    """

    def __init__(self, problems: list[str], total: int) -> None:
        more = (
            f"\n... and {total - len(problems)} more" if total > len(problems) else ""
        )
        super().__init__(
            f"{total} bar(s) break data-quality rules (--strict):\n"
            + "\n".join(problems)
            + more
        )
        self.problems = problems
        self.total = total


class IllegalTransition(DomainError):
    """An order event or command does not apply to the intent's current status."""


class Overfill(IllegalTransition):
    """Fills would exceed the order quantity: the broker and our books disagree."""


class DuplicateClientOrderId(DomainError):
    """A client order id was used before (the broker refuses ids it has ever seen)."""


class IntegrityError(TradecoreError):
    """Stored data is inconsistent or was tampered with (e.g. a broken audit chain)."""


# --- broker ---------------------------------------------------------------------------


class BrokerError(TradecoreError):
    """The broker could not carry out a request."""


class BrokerRejected(BrokerError):
    """The broker refused an order or request for a business reason (buying power, ...).

    A venue rejecting an order is a normal outcome; this error is for the synchronous
    refusal of a request and carries the broker's reason.
    """

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        self.reason = reason
        self.code = code
        super().__init__(reason if code is None else f"{code}: {reason}")


class InsufficientBuyingPower(BrokerRejected):
    """The account cannot pay for the order."""


class BrokerRuleBreached(BrokerRejected):
    """The order breaks one of the broker's documented order rules (tick size, ...).

    ``code`` is the rule's name (``sub_penny_price``) and ``breach`` the whole
    :class:`~tradecore.domain.broker_rules.breach.RuleBreach`: raised by the simulated
    venue, and by the Alpaca adapter for a refusal it recognises as a named rule.
    """

    def __init__(self, breach: RuleBreach) -> None:
        self.breach = breach
        super().__init__(breach.message, code=breach.rule)


class OrderNotFound(BrokerError):
    """The broker has no order with that id (possibly only *yet*: see docs/architecture.md)."""


class OrderNotCancelable(BrokerError):
    """The order is already in a final state (filled, canceled, ...) at the broker."""


class TransientBrokerError(BrokerError):
    """Timeout, 5xx, dropped connection: the outcome of the request is unknown."""

    retryable = True


class RateLimited(TransientBrokerError):
    """The broker asked us to slow down; ``retry_after_s`` says for how long if known."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class AuthenticationFailed(BrokerError):
    """Credentials were refused (401/403): fail closed, never retry blindly."""


# --- data, risk, store, config, signing -----------------------------------------------


class StaleData(TradecoreError):
    """Market data is older than the freshness limit allows."""


class DataSubscriptionRequired(BrokerError):
    """The data plan does not cover what was asked (not a credentials problem).

    Alpaca: recent SIP bars without the SIP subscription (403, code 42210000), or
    the ``sip`` stream without it (409 "insufficient subscription"). ``condition``
    names which.
    """

    def __init__(self, message: str, *, condition: str) -> None:
        self.condition = condition
        super().__init__(message)


class RiskRejected(TradecoreError):
    """A pre-trade risk rule refused an order; ``rule`` names it, ``values`` the numbers."""

    def __init__(self, rule: str, message: str, values: dict[str, str] | None = None):
        self.rule = rule
        self.values = dict(values or {})
        super().__init__(f"risk:{rule}: {message}")


class StoreError(TradecoreError):
    """The store could not carry out a request."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or is locked; retrying may help."""

    retryable = True


class ConcurrencyConflict(StoreError):
    """Another writer changed the record since it was read (optimistic concurrency)."""


class NotFound(StoreError):
    """No stored record has that key."""


class SchemaOutOfDate(StoreError):
    """The database is not at the migration head this code needs."""


class ConfigurationError(TradecoreError):
    """The configuration is missing, malformed or contradictory."""


class MissingSecret(ConfigurationError):
    """A credential or the master key needed to read one is not available."""


class SignatureError(TradecoreError):
    """A signature is missing, malformed, or does not verify."""


# --- manifests and alerts -------------------------------------------------------------


class ManifestRejected(TradecoreError):
    """A manifest cannot be trusted, so nothing may trade or load on it.

    The base of every reason ``tradecore-live`` refuses a model: the apps map it to
    one exit code of its own, and the subclass (also a :class:`SignatureError` or an
    :class:`IntegrityError`) says which check failed.
    """


class ManifestMissing(ManifestRejected, SignatureError):
    """No manifest where one is required."""


class ManifestUnsigned(ManifestRejected, SignatureError):
    """The manifest carries no signature."""


class ManifestTampered(ManifestRejected, SignatureError):
    """The signature does not verify: the manifest or its signature changed."""


class UntrustedSigningKey(ManifestRejected, SignatureError):
    """The signature verifies, but under a key that is not among the trusted ones."""


class ManifestMalformed(ManifestRejected, IntegrityError):
    """The manifest file is not a well-formed manifest (names the field)."""


class ManifestMismatch(ManifestRejected, IntegrityError):
    """The manifest was made for other data or features than the ones in use."""

    def __init__(self, field: str, in_manifest: str, in_use: str) -> None:
        self.field = field
        self.in_manifest = in_manifest
        self.in_use = in_use
        super().__init__(
            f"manifest {field} is {in_manifest!r} but the one in use is {in_use!r}"
        )


class AlertDeliveryFailed(TradecoreError):
    """A sink could not deliver an alert after its retries (the router records it)."""

    retryable = True

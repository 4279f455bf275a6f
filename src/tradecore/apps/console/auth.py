"""Who is asking: per-operator tokens (hashed in the config), sessions, CSRF, limits.

* A token is 32 random bytes (``secrets.token_urlsafe``); the config keeps only its
  SHA-256 (see :mod:`tradecore.apps.config.console` for why a fast hash is right for
  a 256-bit random secret). Every configured digest is compared, in constant time,
  whatever matched first, so timing says nothing about which operator was close.
* A login makes a session: a random id in an ``HttpOnly``, ``SameSite=Strict``
  cookie, mapped in memory to the operator and a CSRF token of its own (a restart
  logs everyone out, which is what a console restart should do).
* Every POST carries a CSRF token compared in constant time: the session's, or for
  the login form (no session yet) a double-submit cookie (OWASP CSRF Prevention
  Cheat Sheet, "Synchronizer token" and "Double submit cookie" patterns). An
  identity vouched for by the trusted proxy header gets a token derived by HMAC
  from its name and a key the process draws at start.
* Failed logins are rate-limited per client address with a token bucket
  (:mod:`tradecore.domain.token_bucket`): a burst, then one try per refill period;
  an empty bucket answers 429 before the token is even looked at.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable, Mapping

import attrs

from tradecore.apps.config.console import OperatorSettings
from tradecore.domain.token_bucket import BucketState, available, take

TOKEN_BYTES = 32
OPERATOR_ROLE = "operator"


def new_token() -> str:
    """A fresh operator token: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """The SHA-256 (hex) of ``token``: what the config keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@attrs.frozen
class Operator:
    """An authenticated person: their configured name and role."""

    name: str
    role: str

    @property
    def may_act(self) -> bool:
        """Whether this person may use the actions (kill, state, approve, ...)."""
        return self.role == OPERATOR_ROLE


class Authenticator:
    """Maps a presented token (or a proxy-vouched name) to a configured operator."""

    def __init__(self, operators: Mapping[str, OperatorSettings]) -> None:
        """Know ``operators`` (``[console.operators.NAME]``)."""
        self._operators = dict(operators)

    def by_token(self, token: str) -> Operator | None:
        """The operator whose digest matches ``token``, else ``None``."""
        presented = token_digest(token)
        found: Operator | None = None
        for name, op in sorted(self._operators.items()):
            if op.token_sha256 and hmac.compare_digest(presented, op.token_sha256):
                found = Operator(name, op.role)
        return found

    def by_name(self, name: str) -> Operator | None:
        """The operator called ``name`` (a trusted proxy said so), else ``None``."""
        op = self._operators.get(name)
        return None if op is None else Operator(name, op.role)


def csrf_matches(expected: str | None, presented: str | None) -> bool:
    """Whether a CSRF token was presented and equals the expected one (constant time)."""
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())


@attrs.frozen
class Session:
    """A logged-in operator, the session's CSRF token and when it ends (monotonic)."""

    operator: Operator
    csrf: str
    expires_at: float


class SessionBook:
    """Sessions by id, in memory; expired ones are dropped when looked up."""

    def __init__(self, ttl_s: float, clock: Callable[[], float]) -> None:
        """Sessions last ``ttl_s`` seconds of ``clock`` (a monotonic clock)."""
        self._ttl = ttl_s
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, operator: Operator) -> tuple[str, Session]:
        """Start a session for ``operator``: its id (the cookie) and the session."""
        sid = secrets.token_urlsafe(TOKEN_BYTES)
        session = Session(
            operator, secrets.token_urlsafe(TOKEN_BYTES), self._clock() + self._ttl
        )
        with self._lock:
            self._sessions[sid] = session
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        """The live session ``sid`` names, else ``None``."""
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None and session.expires_at <= self._clock():
                del self._sessions[sid]
                return None
        return session

    def close(self, sid: str | None) -> None:
        """End session ``sid`` (logout)."""
        with self._lock:
            self._sessions.pop(sid or "", None)


class ProxyCsrf:
    """CSRF tokens for identities a trusted proxy vouches for (no session of ours)."""

    def __init__(self) -> None:
        """Draw the key for this process."""
        self._key = secrets.token_bytes(TOKEN_BYTES)

    def token_for(self, name: str) -> str:
        """The CSRF token of proxy identity ``name``."""
        return hmac.new(self._key, f"proxy:{name}".encode(), "sha256").hexdigest()


class LoginLimiter:
    """Failed-login token buckets per client address."""

    def __init__(
        self, *, burst: float, refill_s: float, clock: Callable[[], float]
    ) -> None:
        """``burst`` failures at once, then one per ``refill_s`` seconds."""
        self._capacity = burst
        self._rate = 1.0 / refill_s
        self._clock = clock
        self._buckets: dict[str, BucketState] = {}
        self._lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        """Whether ``client`` has no failure left to spend (answer 429)."""
        with self._lock:
            state = self._buckets.get(client)
            if state is None:
                return False
            left = available(
                state, self._clock(), rate=self._rate, capacity=self._capacity
            )
            return left < 1

    def failed(self, client: str) -> None:
        """Spend one of ``client``'s failures."""
        with self._lock:
            state = self._buckets.get(client) or BucketState(
                tokens=self._capacity, refilled_at=self._clock(), paused_until=0.0
            )
            self._buckets[client] = take(
                state, self._clock(), rate=self._rate, capacity=self._capacity
            ).state

"""The console's shared state: who may log in, sessions, limits, templates, pages.

:class:`Console` holds what every route needs (the store's views, the actions, the
authenticator, the sessions, the login limiter) and answers the one question every
route asks first: who is this (:meth:`Console.identify`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from tradecore.adapters.clock import SystemClock
from tradecore.adapters.sqlstore import SqlStore
from tradecore.adapters.sqlstore.console_reads import ConsoleReads
from tradecore.apps.config.settings import Settings
from tradecore.apps.console import views
from tradecore.apps.console.actions import Actions, BrokerFactory
from tradecore.apps.console.auth import (
    Authenticator,
    LoginLimiter,
    Operator,
    ProxyCsrf,
    SessionBook,
)
from tradecore.apps.wiring.broker_factory import build_broker
from tradecore.ports.clock import Clock

HERE = Path(__file__).parent
SESSION_COOKIE = "tc_session"
LOGIN_CSRF_COOKIE = "tc_login_csrf"
#: Page path -> (title, template, view, refreshes itself).
PAGES: dict[str, tuple[str, str, Callable[..., Any], bool]] = {
    "/": ("Overview", "overview.html", views.overview, True),
    "/positions": ("Positions", "positions.html", views.positions, True),
    "/orders": ("Orders", "orders.html", views.orders, True),
    "/fills": ("Fills & TCA", "fills.html", views.fills_and_tca, True),
    "/equity": ("Equity", "equity.html", views.equity, True),
    "/manifest": ("Manifest & model", "manifest.html", views.manifest, False),
    "/config": ("Config", "config.html", views.config_view, False),
}
#: Pages showing one day (``?day=YYYY-MM-DD``; today by default).
DATED = frozenset({"/fills", "/equity"})
#: Action -> (what the confirmation page says, the form fields it carries).
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "kill": ("Kill: HALT, cancel every open order", ("flatten",)),
    "state": ("Set the trading state", ("state",)),
    "approve": ("Approve a breaker's recovery", ("breaker",)),
    "cancel": ("Cancel one order", ("order",)),
    "reconcile": ("Reconcile with the broker now", ()),
}


@attrs.frozen
class Identity:
    """Who made a request and the CSRF token their POSTs must carry ("" : none)."""

    operator: Operator
    csrf: str


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["fmt"] = _fmt
    return Jinja2Templates(env=env)


class Console:
    """The app's state: the store, who may log in, sessions, limits, actions."""

    def __init__(
        self,
        settings: Settings,
        store: SqlStore,
        *,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        broker_factory: BrokerFactory = build_broker,
    ) -> None:
        """Serve ``store`` with ``settings.console``'s operators and limits."""
        cfg = settings.console
        self.settings = settings
        self.clock = clock or SystemClock()
        self.env = views.ConsoleEnv(
            settings, store, ConsoleReads(store.engine), self.clock
        )
        self.auth = Authenticator(cfg.operators)
        self.sessions = SessionBook(cfg.session_ttl_s, monotonic)
        self.limiter = LoginLimiter(
            burst=cfg.login_burst, refill_s=cfg.login_refill_s, clock=monotonic
        )
        self.proxy_csrf = ProxyCsrf()
        self.actions = Actions(settings, store, self.clock, broker_factory)
        self.templates = _templates()

    def identify(self, request: Request) -> Identity | Response | None:
        """The request's identity, a 401/403/429 answer, or ``None`` (anonymous)."""
        header = self.settings.console.trusted_proxy_header
        if header and request.headers.get(header):
            op = self.auth.by_name(request.headers[header])
            if op is None:
                return plain(403, "the proxy's user is not a configured operator")
            return Identity(op, self.proxy_csrf.token_for(op.name))
        authorization = request.headers.get("authorization", "")
        if authorization:
            return self._bearer(request, authorization)
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        return None if session is None else Identity(session.operator, session.csrf)

    def _bearer(self, request: Request, authorization: str) -> Identity | Response:
        client = client_of(request)
        if self.limiter.blocked(client):
            return plain(429, "too many failed logins; wait and try again")
        scheme, _, token = authorization.partition(" ")
        op = self.auth.by_token(token.strip()) if scheme.lower() == "bearer" else None
        if op is None:
            self.limiter.failed(client)
            return plain(401, "wrong token", {"WWW-Authenticate": "Bearer"})
        return Identity(op, "")  # a bearer client reads; acting needs a session

    def render(
        self, request: Request, name: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        """Render template ``name`` with the navigation's context."""
        base = {
            "pages": [(path, page[0]) for path, page in PAGES.items()],
            "refresh_s": self.settings.console.refresh_s,
            "partial": False,
            "refresh": False,
            "who": None,
            "csrf": "",
            "path": request.url.path,
        }
        return self.templates.TemplateResponse(
            request, name, {**base, **context}, status_code=status
        )


def client_of(request: Request) -> str:
    """The client's address (what failed logins are counted by)."""
    return request.client.host if request.client else "unknown"


def plain(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    """A one-line plain-text answer (refusals: 400, 401, 403, 404, 429)."""
    return Response(text + "\n", status, headers, media_type="text/plain")

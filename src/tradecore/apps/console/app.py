"""The console's web app: routes, who may see and do what, templates.

Pages are server-rendered (Jinja2, autoescaped); ``?partial=1`` returns only a
page's live part, which ``static/console.js`` fetches every ``[console]
refresh_s`` seconds. Every page needs an identity (session cookie, bearer token, or
the trusted proxy header when configured); every POST needs the CSRF token; the
actions need the ``operator`` role and a confirmation step (a GET shows what will
happen and asks for a reason; only the confirmation form's POST acts).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from tradecore.adapters.clock import SystemClock
from tradecore.adapters.sqlstore import SqlStore
from tradecore.adapters.sqlstore.console_reads import ConsoleReads
from tradecore.apps.config.settings import Settings
from tradecore.apps.console import views
from tradecore.apps.console.actions import STATES, Actions, BrokerFactory, Done
from tradecore.apps.console.auth import (
    Authenticator,
    LoginLimiter,
    Operator,
    ProxyCsrf,
    SessionBook,
    csrf_matches,
    new_token,
)
from tradecore.apps.console.security import SecurityHeaders
from tradecore.apps.wiring.broker_factory import build_broker
from tradecore.domain.errors import BrokerError, InvalidInput, TradecoreError
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
                return _plain(403, "the proxy's user is not a configured operator")
            return Identity(op, self.proxy_csrf.token_for(op.name))
        authorization = request.headers.get("authorization", "")
        if authorization:
            return self._bearer(request, authorization)
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        return None if session is None else Identity(session.operator, session.csrf)

    def _bearer(self, request: Request, authorization: str) -> Identity | Response:
        client = _client(request)
        if self.limiter.blocked(client):
            return _plain(429, "too many failed logins; wait and try again")
        scheme, _, token = authorization.partition(" ")
        op = self.auth.by_token(token.strip()) if scheme.lower() == "bearer" else None
        if op is None:
            self.limiter.failed(client)
            return _plain(401, "wrong token", {"WWW-Authenticate": "Bearer"})
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


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _plain(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(text + "\n", status, headers, media_type="text/plain")


def _page(console: Console, path: str) -> Callable[[Request], Any]:
    title, template, view, refresh = PAGES[path]

    async def page(request: Request) -> Response:
        who = console.identify(request)
        if isinstance(who, Response):
            return who
        if who is None:
            return RedirectResponse("/login", 303)
        day = request.query_params.get("day", "")
        if day and path not in DATED:
            return _plain(400, f"day: {path} shows no day")
        try:
            args = (date.fromisoformat(day),) if day else ()
        except ValueError:
            return _plain(400, "day: expected a date as YYYY-MM-DD")
        data = await run_in_threadpool(view, console.env, *args)
        return console.render(
            request,
            template,
            {
                "title": title,
                "data": data,
                "who": who.operator,
                "csrf": who.csrf,
                "partial": request.query_params.get("partial") == "1",
                "refresh": refresh,
            },
        )

    return page


def _audit_page(console: Console, *, alerts: bool) -> Callable[[Request], Any]:
    async def page(request: Request) -> Response:
        who = console.identify(request)
        if isinstance(who, Response):
            return who
        if who is None:
            return RedirectResponse("/login", 303)
        q = request.query_params
        before = q.get("before", "")
        if before and not before.isdigit():
            return _plain(400, "before: expected an audit seq (a whole number)")
        kind = "alert" if alerts else q.get("kind", "")
        data = await run_in_threadpool(
            lambda: views.audit(
                console.env,
                before=int(before) if before else None,
                kind=kind,
                text=q.get("q", ""),
            )
        )
        title = "Alerts" if alerts else "Audit log"
        return console.render(
            request,
            "audit.html",
            {
                "title": title,
                "data": data,
                "who": who.operator,
                "csrf": who.csrf,
                "alerts": alerts,
                "base": request.url.path,
            },
        )

    return page


def _login_form(console: Console) -> Callable[[Request], Any]:
    async def login(request: Request) -> Response:
        token = new_token()
        response = console.render(
            request, "login.html", {"title": "Log in", "csrf": token, "error": ""}
        )
        _set_cookie(response, LOGIN_CSRF_COOKIE, token, max_age=3600)
        return response

    return login


def _login(console: Console) -> Callable[[Request], Any]:
    async def login(request: Request) -> Response:
        client = _client(request)
        if console.limiter.blocked(client):
            return _plain(429, "too many failed logins; wait and try again")
        form = await request.form()
        presented = str(form.get("csrf", ""))
        if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), presented):
            return _plain(403, "the form's CSRF token is missing or wrong; reload it")
        op = console.auth.by_token(str(form.get("token", "")).strip())
        if op is None:
            console.limiter.failed(client)
            return console.render(
                request,
                "login.html",
                {"title": "Log in", "csrf": presented, "error": "wrong token"},
                status=401,
            )
        sid, _ = console.sessions.open(op)
        response = RedirectResponse("/", 303)
        _set_cookie(
            response,
            SESSION_COOKIE,
            sid,
            max_age=int(console.settings.console.session_ttl_s),
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    return login


def _logout(console: Console) -> Callable[[Request], Any]:
    async def logout(request: Request) -> Response:
        who = console.identify(request)
        if not isinstance(who, Identity):
            return RedirectResponse("/login", 303)
        form = await request.form()
        if not csrf_matches(who.csrf, str(form.get("csrf", ""))):
            return _plain(403, "CSRF token missing or wrong")
        console.sessions.close(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return logout


def _set_cookie(response: Response, name: str, value: str, *, max_age: int) -> None:
    # Not Secure: the console serves plain HTTP on loopback; behind a TLS proxy
    # the proxy should add it. HttpOnly: no script reads it; Strict: no other site
    # sends it.
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="strict"
    )


def _acting(console: Console, request: Request) -> Identity | Response:
    who = console.identify(request)
    if isinstance(who, Response):
        return who
    if who is None:
        return _plain(401, "log in first")
    if not who.operator.may_act:
        return _plain(403, f"{who.operator.name} has the read role: no actions")
    return who


def _confirm(console: Console) -> Callable[[Request], Any]:
    async def confirm(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ACTIONS:
            return _plain(404, f"no such action: {name}")
        who = _acting(console, request)
        if isinstance(who, Response):
            return who
        title, fields = ACTIONS[name]
        values = {f: request.query_params.get(f, "") for f in fields}
        return console.render(
            request,
            "confirm.html",
            {
                "title": title,
                "action": name,
                "values": values,
                "who": who.operator,
                "csrf": who.csrf,
                "states": list(STATES),
            },
        )

    return confirm


def _act(console: Console) -> Callable[[Request], Any]:
    async def act(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ACTIONS:
            return _plain(404, f"no such action: {name}")
        who = _acting(console, request)
        if isinstance(who, Response):
            return who
        form = await request.form()
        if not csrf_matches(who.csrf, str(form.get("csrf", ""))):
            return _plain(403, "CSRF token missing or wrong")
        if form.get("confirmed") != "yes":
            return _plain(400, "not confirmed: use the confirmation page")
        fields = {k: str(v) for k, v in form.items()}
        try:
            done = await run_in_threadpool(
                _perform, console, who.operator, name, fields
            )
            status = 200
        except TradecoreError as error:
            done = Done(name, (str(error),), ok=False)
            status = _status_of(error)
        return console.render(
            request,
            "done.html",
            {
                "title": f"{name}: done" if done.ok else f"{name}: see below",
                "done": done,
                "who": who.operator,
                "csrf": who.csrf,
            },
            status=status,
        )

    return act


def _status_of(error: TradecoreError) -> int:
    if isinstance(error, InvalidInput):
        return 400
    if isinstance(error, BrokerError):
        return 502
    return 500


def _perform(console: Console, who: Operator, name: str, form: dict[str, str]) -> Done:
    reason = form.get("reason", "")
    actions = console.actions
    if name == "kill":
        return actions.kill(who, reason, flatten=form.get("flatten") == "yes")
    if name == "state":
        return actions.set_state(who, form.get("state", ""), reason)
    if name == "approve":
        return actions.approve(who, form.get("breaker", ""), reason)
    if name == "cancel":
        return actions.cancel(who, form.get("order", ""), reason)
    return actions.reconcile(who, reason)


def build_app(console: Console) -> Starlette:
    """The ASGI app serving ``console`` (security headers on every answer)."""
    routes: list[BaseRoute] = [Route(path, _page(console, path)) for path in PAGES]
    routes += [
        Route("/audit", _audit_page(console, alerts=False)),
        Route("/alerts", _audit_page(console, alerts=True)),
        Route("/login", _login_form(console), methods=["GET"]),
        Route("/login", _login(console), methods=["POST"]),
        Route("/logout", _logout(console), methods=["POST"]),
        Route("/act/{name}", _confirm(console), methods=["GET"]),
        Route("/act/{name}", _act(console), methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(SecurityHeaders)
    return app

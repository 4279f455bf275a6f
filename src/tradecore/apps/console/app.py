"""The console's web app: routes, who may see and do what, templates.

Pages are server-rendered (Jinja2, autoescaped); ``?partial=1`` returns only a
page's live part, which ``static/console.js`` fetches every ``[console]
refresh_s`` seconds. Every page needs an identity (session cookie, bearer token, or
the trusted proxy header when configured); every POST needs the CSRF token; the
actions need the ``operator`` role and a confirmation step (a GET shows what will
happen and asks for a reason; only the confirmation form's POST acts).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from tradecore.apps.console.acting import act_route, confirm_route
from tradecore.apps.console.console import HERE, PAGES, Console
from tradecore.apps.console.login import login_form_route, login_route, logout_route
from tradecore.apps.console.pages import audit_route, page_route
from tradecore.apps.console.security import SecurityHeaders

__all__ = ["Console", "build_app"]


def build_app(console: Console) -> Starlette:
    """The ASGI app serving ``console`` (security headers on every answer)."""
    routes: list[BaseRoute] = [Route(path, page_route(console, path)) for path in PAGES]
    routes += [
        Route("/audit", audit_route(console, alerts=False)),
        Route("/alerts", audit_route(console, alerts=True)),
        Route("/login", login_form_route(console), methods=["GET"]),
        Route("/login", login_route(console), methods=["POST"]),
        Route("/logout", logout_route(console), methods=["POST"]),
        Route("/act/{name}", confirm_route(console), methods=["GET"]),
        Route("/act/{name}", act_route(console), methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(SecurityHeaders)
    return app

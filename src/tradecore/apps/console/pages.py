"""The page routes: every page needs an identity; ``?partial=1`` is the live part."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tradecore.apps.console import views
from tradecore.apps.console.console import DATED, PAGES, Console, plain


def page_route(console: Console, path: str) -> Callable[[Request], Any]:
    """The route of page ``path``: its view's data in its template (``?day=`` on the
    dated pages), to an identified user; anonymous ones go to the login."""

    title, template, view, refresh = PAGES[path]

    async def page(request: Request) -> Response:
        who = console.identify(request)
        if isinstance(who, Response):
            return who
        if who is None:
            return RedirectResponse("/login", 303)
        day = request.query_params.get("day", "")
        if day and path not in DATED:
            return plain(400, f"day: {path} shows no day")
        try:
            args = (date.fromisoformat(day),) if day else ()
        except ValueError:
            return plain(400, "day: expected a date as YYYY-MM-DD")
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


def audit_route(console: Console, *, alerts: bool) -> Callable[[Request], Any]:
    """The audit log (``alerts``: only alerts): ``?kind=``, ``?q=`` text search,
    ``?before=SEQ`` for the next (older) page."""

    async def page(request: Request) -> Response:
        who = console.identify(request)
        if isinstance(who, Response):
            return who
        if who is None:
            return RedirectResponse("/login", 303)
        q = request.query_params
        before = q.get("before", "")
        if before and not before.isdigit():
            return plain(400, "before: expected an audit seq (a whole number)")
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

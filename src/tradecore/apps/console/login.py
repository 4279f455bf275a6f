"""Logging in and out: the token form (double-submit CSRF), the session cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tradecore.apps.console.auth import csrf_matches, new_token
from tradecore.apps.console.console import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Console,
    Identity,
    client_of,
    plain,
)


def login_form_route(console: Console) -> Callable[[Request], Any]:
    """The login form, with a fresh double-submit CSRF cookie and field."""

    async def login(request: Request) -> Response:
        token = new_token()
        response = console.render(
            request, "login.html", {"title": "Log in", "csrf": token, "error": ""}
        )
        _set_cookie(response, LOGIN_CSRF_COOKIE, token, max_age=3600)
        return response

    return login


def login_route(console: Console) -> Callable[[Request], Any]:
    """Check the form's CSRF pair and the token; start a session (303 to the
    overview) or answer 401 (counted) or 429 (the client's bucket is empty)."""

    async def login(request: Request) -> Response:
        client = client_of(request)
        if console.limiter.blocked(client):
            return plain(429, "too many failed logins; wait and try again")
        form = await request.form()
        presented = str(form.get("csrf", ""))
        if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), presented):
            return plain(403, "the form's CSRF token is missing or wrong; reload it")
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


def logout_route(console: Console) -> Callable[[Request], Any]:
    """End the session (a POST with its CSRF token)."""

    async def logout(request: Request) -> Response:
        who = console.identify(request)
        if not isinstance(who, Identity):
            return RedirectResponse("/login", 303)
        form = await request.form()
        if not csrf_matches(who.csrf, str(form.get("csrf", ""))):
            return plain(403, "CSRF token missing or wrong")
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

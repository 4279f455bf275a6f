"""The action routes: a confirmation page (GET), then the action (POST) for the
``operator`` role with the CSRF token and ``confirmed=yes``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from tradecore.apps.console.actions import STATES, Done
from tradecore.apps.console.auth import Operator, csrf_matches
from tradecore.apps.console.console import ACTIONS, Console, Identity, plain
from tradecore.domain.errors import BrokerError, InvalidInput, TradecoreError


def _acting(console: Console, request: Request) -> Identity | Response:
    who = console.identify(request)
    if isinstance(who, Response):
        return who
    if who is None:
        return plain(401, "log in first")
    if not who.operator.may_act:
        return plain(403, f"{who.operator.name} has the read role: no actions")
    return who


def confirm_route(console: Console) -> Callable[[Request], Any]:
    """The confirmation page of an action (operator role): what will happen, and a
    form asking for the reason."""

    async def confirm(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ACTIONS:
            return plain(404, f"no such action: {name}")
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


def act_route(console: Console) -> Callable[[Request], Any]:
    """Carry out a confirmed action (operator role, CSRF token, ``confirmed=yes``)
    and show what it did; a refusal shows why (400 bad input, 502 broker)."""

    async def act(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ACTIONS:
            return plain(404, f"no such action: {name}")
        who = _acting(console, request)
        if isinstance(who, Response):
            return who
        form = await request.form()
        if not csrf_matches(who.csrf, str(form.get("csrf", ""))):
            return plain(403, "CSRF token missing or wrong")
        if form.get("confirmed") != "yes":
            return plain(400, "not confirmed: use the confirmation page")
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

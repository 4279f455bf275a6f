"""The console's HTTP answers: auth, roles, CSRF, rate limit, headers, no secrets.

The app is served by uvicorn on a loopback port in a thread (the way
``tradecore-live console`` serves it) and asked with httpx; the store is a migrated
SQLite file with a tripped breaker, an open order and a secret-bearing config.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.chaos.processes import free_port
from tests.factories import intent
from tests.risk_support import audit_rows, sqlite_store
from tradecore.apps.config.settings import load_settings
from tradecore.apps.console.app import Console, build_app
from tradecore.apps.console.auth import token_digest
from tradecore.apps.console.security import CSP
from tradecore.domain.risk.trading_state import TradingState

OPERATOR, READER = "operator-token-0123456789abcdef", "reader-token-0123456789abcdef"
WEBHOOK_SECRET = "whsec-console-must-never-show-this"  # pragma: allowlist secret
SMTP_PASSWORD = "smtp-password-never-shown"  # pragma: allowlist secret
PAGES = (
    "/",
    "/positions",
    "/orders",
    "/fills",
    "/equity",
    "/manifest",
    "/config",
    "/alerts",
    "/audit",
)


def _seed(db: Path) -> None:
    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            uow.controls.set_breaker("daily_loss", tripped=True, reason="loss 1200")
            uow.intents.create(intent(Decimal(5)))
            uow.audit.append("note", {"text": "hello 100% _literal_"})
            uow.commit()
    finally:
        store.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("console_http")
    db = root / "console.db"
    _seed(db)
    config = root / "live.toml"
    config.write_text(
        f"""
[store]
url = "sqlite:///{db}"
[alerts.webhook]
url = "http://127.0.0.1:9/hook"
secret = "{WEBHOOK_SECRET}"
[alerts.smtp]
host = "127.0.0.1"
sender = "a@example.test"
recipients = ["b@example.test"]
username = "desk"
password = "{SMTP_PASSWORD}"
[[alerts.routes]]
sinks = ["log", "store"]
[console]
login_burst = 3
login_refill_s = 600
[console.operators.alice]
token_sha256 = "{token_digest(OPERATOR)}"
role = "operator"
[console.operators.bob]
token_sha256 = "{token_digest(READER)}"
role = "read"
"""
    )
    settings = load_settings(config)
    store = sqlite_store(db)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(Console(settings, store)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the console did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", db
    finally:
        server.should_exit = True
        thread.join(10)
        store.close()


def _logged_in(url: str, token: str) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False)
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = client.post("/login", data={"csrf": csrf[1], "token": token})
    assert answer.status_code == 303, answer.text
    return client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found[1]


def test_anonymous_pages_send_to_the_login(served: tuple[str, Path]) -> None:
    url, _ = served
    for path in PAGES:
        answer = httpx.get(url + path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login"


def test_security_headers_on_every_answer(served: tuple[str, Path]) -> None:
    url, _ = served
    with closing(_logged_in(url, READER)) as client:
        for path in (*PAGES, "/login", "/static/console.js", "/nowhere"):
            headers = client.get(path).headers
            assert headers["content-security-policy"] == CSP
            assert "frame-ancestors 'none'" in CSP
            assert "'unsafe-inline'" not in CSP
            assert headers["x-frame-options"] == "DENY"
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "no-referrer"
        session = client.cookies.jar
        [cookie] = [c for c in session if c.name == "tc_session"]
        assert cookie.has_nonstandard_attr("HttpOnly")


def test_no_secret_in_any_page(served: tuple[str, Path]) -> None:
    url, _ = served
    with closing(_logged_in(url, OPERATOR)) as client:
        for path in PAGES:
            page = client.get(path)
            assert page.status_code == 200, path
            for secret in (
                WEBHOOK_SECRET,
                SMTP_PASSWORD,
                OPERATOR,
                READER,
                token_digest(OPERATOR),
                token_digest(READER),
                "desk",
            ):
                assert secret not in page.text, (path, secret)
        assert "***" in client.get("/config").text


def test_a_reader_sees_pages_but_cannot_act(served: tuple[str, Path]) -> None:
    url, db = served
    with closing(_logged_in(url, READER)) as client:
        overview = client.get("/")
        assert "daily_loss" in overview.text
        assert "bob (read)" in overview.text
        assert "/act/kill" not in overview.text  # no action offered
        assert client.get("/act/state?state=HALTED").status_code == 403
        answer = client.post(
            "/act/state",
            data={
                "csrf": _csrf(overview.text),
                "confirmed": "yes",
                "state": "HALTED",
                "reason": "reader tries",
            },
        )
        assert answer.status_code == 403
    assert audit_rows(db, "console_action") == []


def test_a_post_without_the_csrf_token_is_refused(served: tuple[str, Path]) -> None:
    url, db = served
    with closing(_logged_in(url, OPERATOR)) as client:
        form = {"confirmed": "yes", "state": "HALTED", "reason": "no token"}
        assert client.post("/act/state", data=form).status_code == 403
        wrong = {**form, "csrf": "x" * 43}
        assert client.post("/act/state", data=wrong).status_code == 403
        # a bearer token alone (no session, no CSRF token) reads but cannot act
    bearer = {"Authorization": f"Bearer {OPERATOR}"}
    assert httpx.get(url + "/", headers=bearer).status_code == 200
    answer = httpx.post(url + "/act/state", data=form, headers=bearer)
    assert answer.status_code == 403
    assert audit_rows(db, "console_action") == []


def test_an_operator_acts_through_a_confirmation(served: tuple[str, Path]) -> None:
    url, db = served
    with closing(_logged_in(url, OPERATOR)) as client:
        confirm = client.get("/act/state?state=REDUCING")
        assert confirm.status_code == 200
        assert 'name="confirmed" value="yes"' in confirm.text
        unconfirmed = {"csrf": _csrf(confirm.text), "state": "REDUCING", "reason": "x"}
        assert client.post("/act/state", data=unconfirmed).status_code == 400
        done = client.post("/act/state", data={**unconfirmed, "confirmed": "yes"})
        assert done.status_code == 200, done.text
        assert "trading state: REDUCING" in done.text
        blank = {**unconfirmed, "confirmed": "yes", "reason": " "}
        assert client.post("/act/state", data=blank).status_code == 400
        # ACTIVE while daily_loss is tripped: refused by the service, as the CLI is
        active = {**unconfirmed, "confirmed": "yes", "state": "ACTIVE"}
        refused = client.post("/act/state", data=active)
        assert refused.status_code == 400
        assert "breakers still tripped: daily_loss" in refused.text
    actions = [p for _, p in audit_rows(db, "console_action")]
    assert [
        (a["operator"], a["action"], a["target"], a["complete"]) for a in actions
    ] == [
        ("alice", "set_state", "reducing", True),
        ("alice", "set_state", "reducing", False),
        ("alice", "set_state", "active", False),
    ]
    assert actions[1]["result"][0].startswith("refused: ")
    changed = [p for _, p in audit_rows(db, "trading_state_changed")]
    assert changed[-1]["reason"] == "x [by alice via console]"
    assert changed[-1]["state"] == TradingState.REDUCING.value
    codes = [p["code"] for _, p in audit_rows(db, "alert")]
    assert "operator.action" in codes


def test_audit_search_and_keyset_pages(served: tuple[str, Path]) -> None:
    url, _ = served
    with closing(_logged_in(url, READER)) as client:
        found = client.get("/audit", params={"q": "100% _literal_"})
        assert "{&#34;text&#34;: &#34;hello 100% _literal_&#34;}" in found.text
        assert client.get("/audit", params={"q": "100%x"}).text.count("audit-row") == 0
        assert client.get("/audit", params={"before": "1"}).text.count("audit-row") == 0
        assert client.get("/audit", params={"before": "DROP"}).status_code == 400
        assert client.get("/equity", params={"day": "2026-13-01"}).status_code == 400
        assert client.get("/orders", params={"day": "2026-01-05"}).status_code == 400
        assert client.get("/fills", params={"day": "2026-01-05"}).status_code == 200


def test_a_wrong_token_gets_401_then_429(served: tuple[str, Path]) -> None:
    url, _ = served
    with httpx.Client(base_url=url) as client:
        statuses = [
            client.get("/", headers={"Authorization": "Bearer nope"}).status_code
            for _ in range(4)
        ]
        assert statuses == [401, 401, 401, 429]  # login_burst = 3
        # Blocked: even the right token waits (the bucket refills in 600 s).
        right = client.get("/", headers={"Authorization": f"Bearer {OPERATOR}"})
        assert right.status_code == 429
        form = client.get("/login")
        login = client.post(
            "/login", data={"csrf": _csrf(form.text), "token": OPERATOR}
        )
        assert login.status_code == 429

"""Webhook and SMTP sinks against real servers on loopback, alone and behind the router."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

import pytest

from tests.loopback import free_port, http_receiver, self_signed_tls, smtp_server
from tradecore.adapters.alerts import SIGNATURE_HEADER, SmtpSink, WebhookSink
from tradecore.adapters.sim import SimClock
from tradecore.domain.errors import AlertDeliveryFailed
from tradecore.ports.alerts import Alert, Severity
from tradecore.services.observation.alerting import (
    AlertRoute,
    AlertRouter,
    RouterPolicy,
)

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
SECRET = "s3cr3t-webhook-key"


def _alert(code: str = "breaker.daily_loss", **changes: object) -> Alert:
    fields: dict[str, object] = {
        "severity": Severity.CRITICAL,
        "code": code,
        "message": "daily loss breaker tripped",
        "raised_at": T0,
        "context": {"loss": "1234.50", "limit": "1000", "api_token": "tok-123"},
    }
    fields.update(changes)
    return Alert(**fields)  # type: ignore[arg-type]


def _webhook(url: str, clock: SimClock, **options: object) -> WebhookSink:
    return WebhookSink(url, SECRET, clock=clock, timeout_s=2.0, **options)  # type: ignore[arg-type]


def _hmac_ok(headers: dict[str, str], body: bytes) -> bool:
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers[SIGNATURE_HEADER], f"sha256={expected}")


def test_webhook_posts_signed_json() -> None:
    clock = SimClock(T0)
    with http_receiver() as receiver:
        _webhook(receiver.url, clock).deliver(_alert())
    [request] = receiver.requests
    assert request.path == "/hooks/alerts"
    assert request.headers["Content-Type"] == "application/json"
    assert _hmac_ok(request.headers, request.body)
    payload = json.loads(request.body)
    assert payload["severity"] == "critical"
    assert payload["code"] == "breaker.daily_loss"
    assert payload["message"] == "daily loss breaker tripped"
    assert payload["context"]["loss"] == "1234.50"
    assert payload["context"]["api_token"] == "***"  # secrets are redacted by name
    assert payload["raised_at"] == payload["sent_at"] == T0.isoformat()
    assert payload["count"] == 1


def test_a_changed_body_no_longer_matches_the_signature() -> None:
    with http_receiver() as receiver:
        _webhook(receiver.url, SimClock(T0)).deliver(_alert())
    request = receiver.requests[0]
    assert not _hmac_ok(request.headers, request.body.replace(b"1234.50", b"1.50"))


def test_webhook_retries_5xx_and_429_with_seeded_backoff() -> None:
    clock = SimClock(T0)
    with http_receiver(statuses=[500, 429]) as receiver:
        _webhook(receiver.url, clock, retries=3, seed=11).deliver(_alert())
    assert len(receiver.requests) == 3
    waited = (clock.now() - T0).total_seconds()
    # Equal jitter: retry n waits within [d/2, d] for d = 0.5 * 2**n.
    assert 0.25 + 0.5 <= waited <= 0.5 + 1.0
    again = SimClock(T0)
    with http_receiver(statuses=[500, 429]) as receiver:
        _webhook(receiver.url, again, retries=3, seed=11).deliver(_alert())
    assert again.now() == clock.now()


def test_webhook_gives_up_after_its_retries() -> None:
    with http_receiver(statuses=[503] * 10) as receiver:
        sink = _webhook(receiver.url, SimClock(T0), retries=2)
        with pytest.raises(AlertDeliveryFailed, match="gave up after 3 attempts"):
            sink.deliver(_alert())
    assert len(receiver.requests) == 3


def test_webhook_does_not_retry_a_client_error_and_hides_the_url_path() -> None:
    with http_receiver(statuses=[400]) as receiver:
        sink = _webhook(receiver.url, SimClock(T0), retries=3)
        with pytest.raises(AlertDeliveryFailed, match="HTTP 400") as raised:
            sink.deliver(_alert())
    assert len(receiver.requests) == 1
    assert "/hooks/alerts" not in str(raised.value)
    assert SECRET not in repr(sink)


def test_webhook_times_out_and_retries() -> None:
    with http_receiver(delay_s=1.0) as receiver:
        sink = WebhookSink(
            receiver.url, SECRET, clock=SimClock(T0), timeout_s=0.2, retries=1
        )
        with pytest.raises(AlertDeliveryFailed, match="gave up after 2 attempts"):
            sink.deliver(_alert())
    assert len(receiver.requests) == 2


def test_an_unreachable_webhook_through_the_router_never_raises() -> None:
    clock = SimClock(T0)
    url = f"http://127.0.0.1:{free_port()}/nobody-listens"
    sink = _webhook(url, clock, retries=1)
    router = AlertRouter([sink], [AlertRoute(sinks=("webhook",))], clock)
    router.send(_alert())
    [(name, code, error)] = router.failures
    assert (name, code) == ("webhook", "breaker.daily_loss")
    assert "gave up after 2 attempts" in error


def _mail(box_message: bytes) -> Message:
    return email.message_from_bytes(box_message)


def test_smtp_delivers_the_alert() -> None:
    with smtp_server() as box:
        sink = SmtpSink(
            "127.0.0.1",
            box.port,
            "tradecore@example.test",
            ["oncall@example.test", "desk@example.test"],
            clock=SimClock(T0),
        )
        sink.deliver(_alert())
    [envelope] = box.messages
    assert envelope.mail_from == "tradecore@example.test"
    assert envelope.rcpt_tos == ["oncall@example.test", "desk@example.test"]
    message = _mail(envelope.original_content or b"")
    assert message["Subject"] == (
        "[tradecore CRITICAL] breaker.daily_loss: daily loss breaker tripped"
    )
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert '"loss": "1234.50"' in body
    assert "tok-123" not in body


def test_smtp_uses_starttls_and_login(tmp_path: Path) -> None:
    server_tls, client_tls = self_signed_tls(tmp_path)
    with smtp_server(tls_context=server_tls, password=b"mail-pass") as box:
        sink = SmtpSink(
            "127.0.0.1",
            box.port,
            "tradecore@example.test",
            ["oncall@example.test"],
            clock=SimClock(T0),
            starttls=True,
            username="tradecore",
            password="mail-pass",
            ssl_context=client_tls,
        )
        sink.deliver(_alert())
    assert box.logins == [(b"tradecore", b"mail-pass")]
    assert len(box.messages) == 1


def test_smtp_refused_login_is_not_retried(tmp_path: Path) -> None:
    server_tls, client_tls = self_signed_tls(tmp_path)
    with smtp_server(tls_context=server_tls, password=b"right") as box:
        sink = SmtpSink(
            "127.0.0.1",
            box.port,
            "tradecore@example.test",
            ["oncall@example.test"],
            clock=SimClock(T0),
            starttls=True,
            username="tradecore",
            password="wrong",
            ssl_context=client_tls,
            retries=3,
        )
        with pytest.raises(AlertDeliveryFailed, match="535"):
            sink.deliver(_alert())
    assert box.messages == []


def test_a_storm_of_1000_alerts_is_one_webhook_and_one_mail_then_one_summary() -> None:
    clock = SimClock(T0)
    with http_receiver() as receiver, smtp_server() as box:
        webhook = _webhook(receiver.url, clock)
        mail = SmtpSink(
            "127.0.0.1",
            box.port,
            "tc@example.test",
            ["oncall@example.test"],
            clock=clock,
        )
        router = AlertRouter(
            [webhook, mail],
            [AlertRoute(sinks=("webhook", "email"), min_severity=Severity.WARNING)],
            clock,
            RouterPolicy(window_s=60),
        )
        for _ in range(1000):
            router.send(_alert(raised_at=clock.now()))
            clock.advance(0.01)
        assert len(receiver.requests) == 1
        assert len(box.messages) == 1
        clock.advance(60)
        router.flush()
    assert len(receiver.requests) == 2
    assert len(box.messages) == 2
    first, summary = (json.loads(r.body) for r in receiver.requests)
    assert first["count"] == 1
    assert summary["count"] == 1000
    assert summary["first_raised_at"] == T0.isoformat()
    assert all(_hmac_ok(r.headers, r.body) for r in receiver.requests)
    subject = _mail(box.messages[1].original_content or b"")["Subject"]
    assert "(x1000)" in subject
    assert router.failures == type(router.failures)()

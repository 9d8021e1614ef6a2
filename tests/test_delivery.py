"""Delivery to real local servers: an SMTP server (aiosmtpd) with STARTTLS and login, and an
HTTP receiver standing in for the webhooks; then what arrived, and what the database kept."""

import base64
import hashlib
import hmac
import ipaddress
import json
import socket
import threading
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from monitor.article.item import Article, Evidence, Flag, Flags
from monitor.cli.main import main
from monitor.digest.build import build_digest
from monitor.digest.delivery import DeliveryConfig, DeliveryError, send_digest, signed_dingtalk_url
from monitor.digest.render import headline
from monitor.storage.migrations import open_storage

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CST)
TITLE = "<script>alert(1)</script>浙江大学“组团式”医疗援疆见成效"
USER, PASSWORD = "monitor", "s3cret"


# ---------------------------------------------------------------- local servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(datetime.now(UTC) - timedelta(days=1))
            .not_valid_after(datetime.now(UTC) + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class Mailbox:
    def __init__(self):
        self.messages = []  # (envelope, over TLS, authenticated)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope, session.ssl is not None, session.authenticated))
        return "250 OK"


def login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and \
        (auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server(certificate):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                            tls_context=context, require_starttls=True, auth_required=True,
                            authenticator=login)
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


class Receiver(ThreadingHTTPServer):
    """Answers POSTs with the next scripted (status, body) of the path, else 200 and the
    bots' success body; keeps every request."""

    def __init__(self):
        self.requests, self.script = [], {}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler):
                body = handler.rfile.read(int(handler.headers["Content-Length"]))
                path = urlsplit(handler.path).path
                self.requests.append({"path": path, "query": parse_qs(urlsplit(handler.path).query),
                                      "type": handler.headers["Content-Type"],
                                      "json": json.loads(body)})
                queue = self.script.get(path)
                status, answer = queue.pop(0) if queue else (200, {"errcode": 0, "errmsg": "ok"})
                data = json.dumps(answer).encode()
                handler.send_response(status)
                handler.send_header("Content-Type", "application/json")
                handler.send_header("Content-Length", str(len(data)))
                handler.end_headers()
                handler.wfile.write(data)

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------- data


@pytest.fixture
def storage(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 'monitor.db'}")
    with time_machine.travel(NOW, tick=False):
        storage.add_article(Article(
            url="https://www.chinanews.com.cn/gn/2025/05-04/10410087.shtml", url_key="a",
            source="chinanews-scroll", title=TITLE, outlet="中国新闻网", fetched_at=NOW,
            published_at=datetime(2025, 5, 4, 14, 29, tzinfo=CST), body="正文",
            flags=Flags(medical_aid=Flag(True, 3.0,
                                         [Evidence("组团式医疗援疆。", ["组团式", "援疆"])]),
                        sister_hospital=Flag(False, 0.0))))
    yield storage
    storage.close()


def new_digest(storage):
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        return build_digest(storage, checks=[])


def mail_config(smtp_server, certificate, **kw) -> DeliveryConfig:
    values = dict(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_security="starttls",
                  smtp_user=USER, smtp_password=PASSWORD, smtp_from="monitor@example.org",
                  smtp_to=("reviewer@example.org", "lead@example.org"),
                  smtp_cafile=str(certificate[0]), attempts=3, retry_delay=1.0, timeout=5)
    values.update(kw)
    return DeliveryConfig(**values)


# ---------------------------------------------------------------- mail


def test_mail_over_starttls_with_login_arrives_as_html_with_a_text_alternative(
        storage, smtp_server, certificate):
    digest = new_digest(storage)
    report = send_digest(storage, digest, mail_config(smtp_server, certificate))
    assert report.ok and [o.line() for o in report.outcomes] == [
        "sent: mail to reviewer@example.org, lead@example.org (1 attempt)"]
    ((envelope, over_tls, authenticated),) = smtp_server.messages
    assert over_tls and authenticated
    assert envelope.rcpt_tos == ["reviewer@example.org", "lead@example.org"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    # (RFC 2047 drops the space between two encoded words of a folded subject)
    assert message["Subject"].replace(" ", "") == headline(digest).replace(" ", "")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert f"#1 [医疗援助] {TITLE}" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert '<span class="hit">援疆</span>' in page  # the evidence was the title
    # recorded as sent: its story is not new any more
    (record,) = storage.digests()
    assert record.status == "sent" and record.entries == 1
    assert new_digest(storage).entries == []


def test_a_refused_login_is_not_retried_and_the_stories_stay_new(
        storage, smtp_server, certificate):
    sleeps = []
    report = send_digest(storage, new_digest(storage),
                         mail_config(smtp_server, certificate, smtp_password="wrong"),
                         sleep=sleeps.append)
    (outcome,) = report.outcomes
    assert not report.ok and outcome.attempts == 1 and sleeps == []
    assert "refused the login of 'monitor'" in outcome.error
    assert smtp_server.messages == []
    (record,) = storage.digests()
    assert record.status == "failed" and "refused the login" in next(iter(record.channels.values()))
    assert [e.title for e in new_digest(storage).entries] == [TITLE]


def test_an_untrusted_certificate_fails_plainly(storage, smtp_server, certificate):
    report = send_digest(storage, new_digest(storage),
                         mail_config(smtp_server, certificate, smtp_cafile=""))
    assert not report.ok and "is not trusted" in report.outcomes[0].error
    assert report.outcomes[0].attempts == 1


def test_an_unreachable_server_is_tried_again_with_growing_delays(storage):
    sleeps = []
    config = DeliveryConfig(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none",
                            smtp_to=("reviewer@example.org",), attempts=3, retry_delay=1.5,
                            timeout=2)
    report = send_digest(storage, new_digest(storage), config, sleep=sleeps.append)
    (outcome,) = report.outcomes
    assert not outcome.ok and outcome.attempts == 3 and sleeps == [1.5, 3.0]
    assert outcome.line().startswith("FAILED mail to reviewer@example.org: SMTP 127.0.0.1:")
    assert storage.digests()[0].status == "failed"


# ---------------------------------------------------------------- webhooks


def test_json_wecom_and_signed_dingtalk_webhooks(storage, receiver):
    digest = new_digest(storage)
    config = DeliveryConfig(webhooks=(
        ("json", receiver.url("/hook")),
        ("wecom", receiver.url("/cgi-bin/webhook/send?key=KEY")),
        ("dingtalk", receiver.url("/robot/send?access_token=TOKEN")),
    ), dingtalk_secret="SECabc", attempts=1)
    report = send_digest(storage, digest, config)
    assert report.ok, [o.line() for o in report.outcomes]
    assert [o.channel for o in report.outcomes] == [  # secrets are not shown
        f"json webhook {receiver.url('/hook')}",
        f"wecom webhook {receiver.url('/cgi-bin/webhook/send')}?…",
        f"dingtalk webhook {receiver.url('/robot/send')}?…"]
    generic, wecom, dingtalk = receiver.requests
    assert generic["type"] == "application/json; charset=utf-8"
    assert generic["json"]["title"] == headline(digest)
    assert generic["json"]["digest"]["entries"][0]["title"] == TITLE
    assert wecom["query"] == {"key": ["KEY"]}
    assert wecom["json"]["msgtype"] == "markdown"
    content = wecom["json"]["markdown"]["content"]
    assert "新增 1 条：医疗援助 1" in content and "- #1 [" in content
    assert "[＜script＞alert(1)＜/script＞浙江" in content
    assert len(content.encode("utf-8")) <= 4096
    assert dingtalk["json"]["markdown"]["title"] == headline(digest)
    stamp, sign = dingtalk["query"]["timestamp"][0], dingtalk["query"]["sign"][0]
    expected = base64.b64encode(hmac.new(b"SECabc", f"{stamp}\nSECabc".encode(),
                                         hashlib.sha256).digest()).decode()
    assert sign == expected and dingtalk["query"]["access_token"] == ["TOKEN"]


def test_signature_matches_dingtalks_documented_example():
    url = signed_dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=T", "SEC1",
                              now_ms=1577808000000)
    stamp = "1577808000000"
    expected = base64.b64encode(hmac.new(b"SEC1", f"{stamp}\nSEC1".encode(),
                                         hashlib.sha256).digest()).decode()
    assert parse_qs(urlsplit(url).query) == {"access_token": ["T"], "timestamp": [stamp],
                                             "sign": [expected]}


def test_a_failing_webhook_is_retried_until_it_answers(storage, receiver):
    receiver.script["/hook"] = [(500, {}), (503, {}), (200, {})]
    sleeps = []
    config = DeliveryConfig(webhooks=(("json", receiver.url("/hook")),), attempts=3,
                            retry_delay=1.0)
    report = send_digest(storage, new_digest(storage), config, sleep=sleeps.append)
    assert report.ok and report.outcomes[0].attempts == 3 and sleeps == [1.0, 2.0]
    assert len(receiver.requests) == 3


def test_bot_error_codes_are_failures(storage, receiver):
    receiver.script["/wecom"] = [(200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
                                 (200, {"errcode": 0, "errmsg": "ok"})]
    receiver.script["/ding"] = [(200, {"errcode": 310000, "errmsg": "keywords not in content"})]
    config = DeliveryConfig(webhooks=(("wecom", receiver.url("/wecom")),
                                      ("dingtalk", receiver.url("/ding"))),
                            attempts=3, retry_delay=0)
    report = send_digest(storage, new_digest(storage), config, sleep=lambda _: None)
    wecom, dingtalk = report.outcomes
    assert wecom.ok and wecom.attempts == 2  # "too fast": tried again
    assert not dingtalk.ok and dingtalk.attempts == 1
    assert dingtalk.error == "the bot answered errcode 310000: keywords not in content"
    assert not report.ok and storage.digests()[0].status == "failed"


def test_one_failed_channel_keeps_the_stories_new(storage, smtp_server, certificate, receiver):
    receiver.script["/hook"] = [(404, {})]
    config = mail_config(smtp_server, certificate,
                         webhooks=(("json", receiver.url("/hook")),))
    report = send_digest(storage, new_digest(storage), config)
    assert [o.ok for o in report.outcomes] == [True, False]
    assert report.outcomes[1].error == "HTTP 404 Not Found" and report.outcomes[1].attempts == 1
    assert [e.title for e in new_digest(storage).entries] == [TITLE]


def test_nothing_configured_is_an_error(storage):
    with pytest.raises(DeliveryError, match="nothing to send to"):
        send_digest(storage, new_digest(storage), DeliveryConfig())
    assert storage.digests() == []


# ---------------------------------------------------------------- the command


def test_monitor_digest_send(tmp_path, monkeypatch, capsys, smtp_server, certificate, receiver):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    storage = open_storage(url)
    storage.add_article(Article(
        url="https://example.org/a.htm", url_key="a", source="dmu-news", title="援疆见成效",
        fetched_at=datetime.now(UTC), body="正文",
        flags=Flags(medical_aid=Flag(True, 2.0, [Evidence("医疗援疆。", ["援疆"])]),
                    sister_hospital=Flag(False, 0.0))))
    storage.close()
    for name, value in {
        "MONITOR_DATABASE_URL": url, "MONITOR_SMTP_HOST": "127.0.0.1",
        "MONITOR_SMTP_PORT": str(smtp_server.port), "MONITOR_SMTP_USER": USER,
        "MONITOR_SMTP_PASSWORD": PASSWORD, "MONITOR_SMTP_TO": "Reviewer <r@example.org>",
        "MONITOR_SMTP_CAFILE": str(certificate[0]), "MONITOR_DELIVERY_RETRY_DELAY": "0",
        "MONITOR_WEBHOOK_WECOM": receiver.url("/wecom?key=K"),
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["digest", "--send"]) == 0
    out = capsys.readouterr().out
    assert "援疆见成效" in out
    assert "sent: mail to r@example.org (1 attempt)" in out
    assert len(smtp_server.messages) == 1 and len(receiver.requests) == 1
    assert main(["digest", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == []

    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", "wrong")
    assert main(["digest", "--send", "--since", "2000-01-01"]) == 1
    err = capsys.readouterr().err
    assert "FAILED mail to r@example.org: the SMTP server refused the login" in err
    assert "its stories stay new" in err

    monkeypatch.setenv("MONITOR_SMTP_SECURITY", "tls1.0")
    assert main(["digest", "--send"]) == 2
    assert capsys.readouterr().err == (
        "monitor: error: wrong setting in the environment: MONITOR_SMTP_SECURITY='tls1.0' "
        "is not one of starttls, ssl, none\n")


# ---------------------------------------------------------------- Apprise (MONITOR_NOTIFY)


def test_apprise_urls_deliver_the_markdown_message_and_the_html_mail(
        storage, receiver, smtp_server, certificate):
    digest = new_digest(storage)
    story = digest.entries[0].id
    config = DeliveryConfig(notify=(
        f"json://127.0.0.1:{receiver.server_address[1]}/apprise",
        f"mailtos://{USER}:{PASSWORD}@127.0.0.1:{smtp_server.port}?mode=starttls"
        f"&from=monitor@example.org&to=reviewer@example.org&verify=no",
    ), public_url="https://monitor.example.org", attempts=1)
    report = send_digest(storage, digest, config)
    assert report.ok, [o.line() for o in report.outcomes]
    assert [o.channel.split("://")[0] for o in report.outcomes] == ["apprise json",
                                                                    "apprise mailtos"]
    assert PASSWORD not in " ".join(o.channel for o in report.outcomes)  # secrets hidden
    (posted,) = receiver.requests
    assert posted["path"] == "/apprise"
    assert posted["json"]["title"] == headline(digest)
    message = posted["json"]["message"]
    assert f"[#{story}](https://monitor.example.org/story/{story})" in message
    assert "(https://www.chinanews.com.cn/gn/2025/05-04/10410087.shtml)" in message
    ((envelope, over_tls, authenticated),) = smtp_server.messages
    assert over_tls and authenticated
    mail = message_from_bytes(envelope.content, policy=policy.default)
    page = mail.get_body(("html",)).get_content()
    assert f'data-story-id="{story}"' in page and "&lt;script&gt;" in page
    assert storage.digests()[0].status == "sent"


def test_a_failing_apprise_service_is_retried_and_says_why(storage):
    sleeps = []
    config = DeliveryConfig(notify=(f"json://127.0.0.1:{free_port()}/gone",), attempts=2,
                            retry_delay=1.0)
    report = send_digest(storage, new_digest(storage), config, sleep=sleeps.append)
    (outcome,) = report.outcomes
    assert not outcome.ok and outcome.attempts == 2 and sleeps == [1.0]
    assert outcome.error and "JSON" in outcome.error
    assert [e.title for e in new_digest(storage).entries] == [TITLE]  # still new


@pytest.mark.parametrize("notify, said", [
    ("nosuchservice://key", "nosuchservice://… is not a service Apprise knows (see "
     "Apprise's list of services and their URL forms)"),
    # echoed as written, never garbled (it was not://…, mailto//ops@example.://…)
    ("not a url", "'not' is not a URL (an Apprise URL starts with its service, e.g. "
     "mailtos://user:password@host or tgram://bottoken/chatid); the 3 entries are "
     "separated by spaces"),
    ("mailto//ops@example.org", "'mailto//ops…' is not a URL (did you mean mailto://…?)"),
    # a plain web hook: pointed at json:// and the webhook settings; its key not shown
    ("https://hooks.example.org/send?key=SECRET", "https://… is a plain web address, not "
     "an Apprise service: for a plain webhook use json://host/path (Apprise) or "
     "MONITOR_WEBHOOK_JSON; for WeCom or DingTalk bots MONITOR_WEBHOOK_WECOM or "
     "MONITOR_WEBHOOK_DINGTALK"),
    ("tgram:/123456:SECRET/42", "'tgram…' is not a URL (did you mean tgram://…?)"),
    ("mailtos://", "mailtos://… is not a URL Apprise can use: check its form in Apprise's "
     "documentation of mailtos://"),
])
def test_a_wrong_apprise_url_is_one_plain_line(notify, said, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'monitor.db'}")
    monkeypatch.setenv("MONITOR_NOTIFY", notify)
    assert main(["digest", "--send"]) == 2
    assert capsys.readouterr().err == f"monitor: error: MONITOR_NOTIFY: {said}\n"
    assert "SECRET" not in said


def test_a_failure_line_names_the_service_without_apprises_options(storage):
    port = free_port()
    config = DeliveryConfig(notify=(f"json://127.0.0.1:{port}/gone?token=SECRET",),
                            attempts=1)
    (outcome,) = send_digest(storage, new_digest(storage), config).outcomes
    assert outcome.line() == (f"FAILED apprise json://127.0.0.1:{port}/gone: A Connection "
                              "error occurred sending JSON notification to 127.0.0.1. "
                              "(1 attempt)")

"""Deliver a digest: through Apprise (``MONITOR_NOTIFY``: Apprise URLs, e.g. ``mailtos://``,
``feishu://``, ``tgram://``, ``wecombot://``, ``dingtalk://``: the bots' Markdown message,
the HTML digest by mail), and through our own senders where Apprise cannot do what they do:
mail (``MONITOR_SMTP_*``: the HTML digest with our own plain-text rendering as its
alternative, a CA bundle for a private server, a refused login not retried) and webhooks
(``MONITOR_WEBHOOK_*``: generic JSON carrying the whole JSON digest; WeCom and DingTalk bots
at any URL, with Markdown — Apprise's WeCom bot sends plain text only — and the bots'
``errcode`` answers read: both answer HTTP 200 to a refused message, which Apprise counts
as delivered, so a keyword-protected DingTalk bot would lose the digest silently).

Each channel is tried ``MONITOR_DELIVERY_ATTEMPTS`` times with a doubling delay, unless the
error is one that trying again cannot fix (login refused, HTTP 404...). ``send_digest``
records the digest (``digests`` table) as "sent" only when every channel delivered: after a
failure its stories stay new, and the next digest carries them again.

A ``[[watch]]`` of the sources file with a ``notify`` URL of its own gets its own message
there too (its stories only, under its name), on the days it has stories: one more channel
of the digest, recorded and counted like the others."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

from monitor import settings as defaults
from monitor.config import paths
from monitor.config.channels import why_not_apprise
from monitor.digest.build import Digest, build_digest, digest_options
from monitor.digest.render import (
    digest_json,
    headline,
    render_atom,
    render_bot_markdown,
    render_html,
    render_text,
)
from monitor.errors import ConfigError, MonitorError
from monitor.storage.database import Storage

logger = logging.getLogger(__name__)

WEBHOOK_KINDS = ("json", "wecom", "dingtalk")
# the bots' byte limits for a Markdown message (WeCom: 4096; DingTalk: 20000)
BOT_LIMITS = {"wecom": 4000, "dingtalk": 18000}
# bot error codes that mean "too fast, try later" (WeCom 45009, DingTalk 130101, busy -1)
BOT_TRANSIENT = {45009, 130101, -1}


class DeliveryError(MonitorError):
    """A channel could not deliver; ``permanent`` when trying again cannot help."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class DeliveryConfig:
    smtp_host: str = ""
    smtp_port: int = defaults.MONITOR_SMTP_PORT
    smtp_security: str = defaults.MONITOR_SMTP_SECURITY  # starttls | ssl | none
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_to: tuple[str, ...] = ()
    smtp_cafile: str = ""  # CA bundle for a server certificate not in the system store
    timeout: float = defaults.MONITOR_DELIVERY_TIMEOUT
    webhooks: tuple[tuple[str, str], ...] = ()  # (kind, URL)
    dingtalk_secret: str = ""  # the bot's 加签 secret, when it has one
    attempts: int = defaults.MONITOR_DELIVERY_ATTEMPTS
    # seconds before the 2nd attempt, doubled after
    retry_delay: float = defaults.MONITOR_DELIVERY_RETRY_DELAY
    public_url: str = ""  # the web page (`monitor serve`), for links to each story
    notify: tuple[str, ...] = ()  # Apprise URLs (MONITOR_NOTIFY)

    @classmethod
    def from_settings(cls, settings) -> DeliveryConfig:
        security = settings.get("MONITOR_SMTP_SECURITY")  # checked by the settings loader
        return cls(
            smtp_host=settings.get("MONITOR_SMTP_HOST"),
            smtp_port=settings.getint("MONITOR_SMTP_PORT"),
            smtp_security=security,
            smtp_user=settings.get("MONITOR_SMTP_USER"),
            smtp_password=settings.get("MONITOR_SMTP_PASSWORD"),
            smtp_from=settings.get("MONITOR_SMTP_FROM"),
            smtp_to=tuple(_addresses(settings.get("MONITOR_SMTP_TO"))),
            smtp_cafile=settings.get("MONITOR_SMTP_CAFILE"),
            timeout=settings.getfloat("MONITOR_DELIVERY_TIMEOUT"),
            webhooks=tuple((kind, url) for kind in WEBHOOK_KINDS
                           for url in _split(settings.get(f"MONITOR_WEBHOOK_{kind.upper()}"))),
            dingtalk_secret=settings.get("MONITOR_WEBHOOK_DINGTALK_SECRET"),
            attempts=max(1, settings.getint("MONITOR_DELIVERY_ATTEMPTS")),
            retry_delay=settings.getfloat("MONITOR_DELIVERY_RETRY_DELAY"),
            public_url=settings.get("MONITOR_PUBLIC_URL"),
            notify=tuple(_checked_apprise_urls(
                settings.get("MONITOR_NOTIFY").split())),
        )

    @property
    def mail(self) -> bool:
        return bool(self.smtp_host and self.smtp_to)

    def channels(self) -> list[Channel]:
        found = [Channel(f"mail to {', '.join(self.smtp_to)}",
                         lambda digest: send_mail(build_mail(digest, self), self))] \
            if self.mail else []
        for kind, url in self.webhooks:
            found.append(Channel(f"{kind} webhook {masked(url)}",
                                 lambda digest, kind=kind, url=url: post_webhook(
                                     kind, url, digest, self)))
        for url in self.notify:
            found.append(Channel(f"apprise {apprise_name(url)}",
                                 lambda digest, url=url: send_apprise(url, digest, self)))
        return found


def _split(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [v.strip() for v in value if v.strip()]
    return [v for v in (value or "").replace(",", " ").split() if v]


def _addresses(value: str) -> list[str]:
    return [address for _, address in getaddresses([value]) if address]


def masked(url: str) -> str:
    """A webhook URL for reports and the database: its keys and tokens are secrets."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")


@dataclass
class Channel:
    name: str
    send: Callable[[Digest], None]


@dataclass
class Outcome:
    channel: str
    ok: bool
    attempts: int
    error: str | None = None

    def line(self) -> str:
        tries = f"{self.attempts} attempt{'s' if self.attempts > 1 else ''}"
        if self.ok:
            return f"sent: {self.channel} ({tries})"
        return f"FAILED {self.channel}: {self.error} ({tries})"


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    digest_id: int | None = None

    @property
    def ok(self) -> bool:
        return bool(self.outcomes) and all(o.ok for o in self.outcomes)


# ---------------------------------------------------------------- mail


def build_mail(digest: Digest, config: DeliveryConfig) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = headline(digest)
    message["From"] = config.smtp_from or config.smtp_user or f"monitor@{config.smtp_host}"
    message["To"] = ", ".join(config.smtp_to)
    message["Date"] = formatdate(localtime=True)
    domain = message["From"].addresses[0].domain or None
    message["Message-ID"] = make_msgid("digest", domain=domain)
    public = config.public_url or None
    message.set_content(render_text(digest, public) + "\n")
    message.add_alternative(render_html(digest, public), subtype="html")
    return message


def send_mail(message: EmailMessage, config: DeliveryConfig) -> None:
    context = ssl.create_default_context(cafile=config.smtp_cafile or None)
    try:
        if config.smtp_security == "ssl":
            client = smtplib.SMTP_SSL(config.smtp_host, config.smtp_port,
                                      timeout=config.timeout, context=context)
        else:
            client = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.timeout)
        with client:
            client.ehlo()
            if config.smtp_security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if config.smtp_user:
                client.login(config.smtp_user, config.smtp_password)
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"the SMTP server refused the login of {config.smtp_user!r}: "
                            f"{exc.smtp_code} {_text(exc.smtp_error)}", permanent=True) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"the SMTP server refused the recipients: "
                            f"{', '.join(exc.recipients)}", permanent=True) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP error {exc.smtp_code}: {_text(exc.smtp_error)}",
                            permanent=exc.smtp_code >= 500) from exc
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"the certificate of {config.smtp_host} is not trusted "
                            f"({exc.verify_message}); see MONITOR_SMTP_CAFILE",
                            permanent=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {config.smtp_host}:{config.smtp_port}: "
                            f"{exc or type(exc).__name__}") from exc


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


# ---------------------------------------------------------------- webhooks


def webhook_payload(kind: str, digest: Digest, public_url: str | None = None) -> dict:
    def text(limit: int) -> str:
        return render_bot_markdown(digest, limit, public_url)

    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text(BOT_LIMITS["wecom"])}}
    if kind == "dingtalk":
        return {"msgtype": "markdown",
                "markdown": {"title": headline(digest), "text": text(BOT_LIMITS["dingtalk"])}}
    return {"title": headline(digest), "text": text(20_000), "digest": digest_json(digest)}


def signed_dingtalk_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk's 加签: timestamp and HMAC-SHA256 signature of "timestamp\\nsecret"."""
    stamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"


def post_webhook(kind: str, url: str, digest: Digest, config: DeliveryConfig) -> None:
    if kind == "dingtalk" and config.dingtalk_secret:
        url = signed_dingtalk_url(url, config.dingtalk_secret)
    data = json.dumps(webhook_payload(kind, digest, config.public_url or None),
                      ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "medcoop-monitor digest"})
    try:
        with urllib.request.urlopen(request, timeout=config.timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}", permanent=permanent) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{getattr(exc, 'reason', None) or exc}") from exc
    if kind in BOT_LIMITS:  # the bots answer 200 with an error code in the body
        try:
            answer = json.loads(body)
        except ValueError as exc:
            raise DeliveryError(f"the bot answered something else than JSON: "
                                f"{body[:200]!r}") from exc
        code = answer.get("errcode", 0)
        if code != 0:
            raise DeliveryError(f"the bot answered errcode {code}: {answer.get('errmsg')}",
                                permanent=code not in BOT_TRANSIENT)


# ---------------------------------------------------------------- Apprise

# Apprise services that get the HTML digest rather than the bots' short Markdown message
APPRISE_MAIL = ("mailto", "mailtos")
APPRISE_LIMIT = 4000  # bytes of the Markdown message (Telegram takes 4096 characters)


def _apprise_service(url: str, entries: int = 1):
    import apprise  # start-up: a heavy import, only when a channel is configured

    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise ConfigError(f"MONITOR_NOTIFY: {why_not_apprise(url, entries)}")
    return notifier


def _checked_apprise_urls(urls: list[str]) -> list[str]:
    for url in urls:
        _apprise_service(url, len(urls))
    return urls


def apprise_name(url: str) -> str:
    """The service's URL with its secrets hidden (Apprise's own privacy form), without the
    query of Apprise's own options (?method=POST&overflow=upstream&retry=0…)."""
    return _apprise_service(url)[0].url(privacy=True).split("?", 1)[0]


def send_apprise(url: str, digest: Digest, config: DeliveryConfig) -> None:
    """One Apprise service: mail gets the HTML digest, everything else the Markdown
    message with the stories' IDs and links (Apprise converts it where a service wants
    HTML or text). Apprise reports failures only in its log: the last warning is the
    error."""
    import apprise  # start-up: a heavy import, only when a channel is configured

    notifier = _apprise_service(url)
    public = config.public_url or None
    if notifier[0].secure_protocol in APPRISE_MAIL or notifier[0].protocol in APPRISE_MAIL:
        body, kind = render_html(digest, public), apprise.NotifyFormat.HTML
    else:
        body = render_bot_markdown(digest, APPRISE_LIMIT, public)
        kind = apprise.NotifyFormat.MARKDOWN
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        delivered = notifier.notify(title=headline(digest), body=body, body_format=kind)
    if not delivered:
        said = [line for line in captured.getvalue().splitlines() if line.strip()]
        raise DeliveryError(said[-1] if said else "Apprise could not deliver it")


# ---------------------------------------------------------------- retries and the record


def _attempt(channel: Channel, digest: Digest, config: DeliveryConfig,
             sleep: Callable[[float], None]) -> Outcome:
    attempt = 0
    while True:
        attempt += 1
        try:
            channel.send(digest)
            return Outcome(channel.name, True, attempt)
        except DeliveryError as exc:
            last_try = exc.permanent or attempt >= config.attempts
            logger.warning("digest to %s, attempt %d: %s%s", channel.name, attempt, exc,
                           "" if last_try else "; trying again")
            if last_try:
                return Outcome(channel.name, False, attempt, str(exc))
            sleep(config.retry_delay * 2 ** (attempt - 1))


def watch_channels(digest: Digest, config: DeliveryConfig) -> list[tuple[Channel, Digest]]:
    """The channels of the digest's watches that have their own (``notify``) and stories
    in it, each with the watch's own digest."""
    found = []
    for watch in digest.watches:
        if not watch.notify:
            continue
        own = digest.for_watch(watch.name)
        if not own.entries:  # nothing watched today: nothing to that channel
            continue
        for url in watch.notify:
            found.append((Channel(f"apprise {apprise_name(url)} (watch {watch.name})",
                                  lambda digest, url=url: send_apprise(url, digest, config)),
                          own))
    return found


def deliver(digest: Digest, config: DeliveryConfig, *,
            sleep: Callable[[float], None] = time.sleep) -> list[Outcome]:
    """Send ``digest`` on every configured channel, and each watch's own digest on its
    channel; one outcome each."""
    return [_attempt(channel, digest, config, sleep) for channel in config.channels()] + \
        [_attempt(channel, own, config, sleep)
         for channel, own in watch_channels(digest, config)]


def send_digest(storage: Storage, digest: Digest, config: DeliveryConfig, *,
                sleep: Callable[[float], None] = time.sleep) -> Report:
    """Deliver and record: "sent" (its stories are no longer new) only if every channel
    delivered, else "failed" with each channel's error."""
    if not config.channels():
        raise DeliveryError("nothing to send to: set MONITOR_NOTIFY (Apprise URLs), "
                            "MONITOR_SMTP_HOST and MONITOR_SMTP_TO, or a MONITOR_WEBHOOK_JSON "
                            "/ _WECOM / _DINGTALK URL", permanent=True)
    report = Report(deliver(digest, config, sleep=sleep))
    report.digest_id = record(storage, digest, "sent" if report.ok else "failed",
                              {o.channel: "ok" if o.ok else o.error for o in report.outcomes})
    return report


def record(storage: Storage, digest: Digest, status: str, channels: dict[str, str]) -> int:
    """Remember ``digest``: its window and stories, and how its delivery went."""
    return storage.record_digest(window_from=digest.window_from, window_to=digest.window_to,
                                 story_ids=digest.story_ids, status=status, channels=channels)


def write_feed(storage: Storage, settings, now: datetime | None = None) -> Path:
    """Write the Atom feed of the flagged stories of the last ``MONITOR_FEED_DAYS`` days
    to ``MONITOR_FEED_FILE`` (default ``<MONITOR_DATA_DIR>/feed.atom``), replacing it at
    once (a reader never sees half a file)."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=settings.getfloat("MONITOR_FEED_DAYS"))
    digest = build_digest(storage, since=since, now=now, checks=[], **digest_options(settings))
    path = paths.feed_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(render_atom(digest, settings.get("MONITOR_FEED_URL") or None,
                                   settings.get("MONITOR_PUBLIC_URL") or None) + "\n", "utf-8")
    partial.replace(path)
    return path

"""Apprise channel URLs as the settings (``MONITOR_NOTIFY``) and the sources file's watches
(``notify``) give them: whether Apprise can use one, and if not why, in one line that shows no
secret of it. One wording for both (``monitor.digest.delivery`` sends)."""

from __future__ import annotations

import re


def apprise_problem(url: str) -> str | None:
    """None when Apprise can send to ``url``, else why not (``why_not_apprise``)."""
    import apprise  # start-up: a heavy import, only where a channel is checked

    return None if apprise.Apprise().add(url) else why_not_apprise(url)


def _shown(text: str) -> str:
    """An entry of MONITOR_NOTIFY as far as it can be shown: up to the first character
    after which a password or token could follow."""
    cut = re.split(r"[:@?#]", text, maxsplit=1)[0]
    return cut + ("…" if cut != text else "")


def why_not_apprise(url: str, entries: int = 1) -> str:
    """Why Apprise refused ``url`` (one of ``entries`` in a list of channels), in one line
    that shows no secret of it."""
    # start-up: Apprise is a heavy import, only where a channel is checked
    from apprise.manager_plugins import NotificationManager

    scheme, found, _rest = url.partition("://")
    webhooks = ("for a plain webhook use json://host/path (Apprise) or MONITOR_WEBHOOK_JSON; "
                "for WeCom or DingTalk bots MONITOR_WEBHOOK_WECOM or MONITOR_WEBHOOK_DINGTALK")
    if not found:
        near = re.match(r"([a-z][a-z0-9+.-]*):?/+", url, re.I)
        hint = (f"did you mean {near[1]}://…?" if near else
                "an Apprise URL starts with its service, e.g. mailtos://user:password@host "
                "or tgram://bottoken/chatid")
        spaces = f"; the {entries} entries are separated by spaces" if entries > 1 else ""
        return f"{_shown(url)!r} is not a URL ({hint}){spaces}"
    if scheme.lower() in ("http", "https"):
        return f"{scheme}://… is a plain web address, not an Apprise service: {webhooks}"
    if scheme.lower() not in NotificationManager().schemas():
        return (f"{_shown(scheme)}://… is not a service Apprise knows (see Apprise's list "
                f"of services and their URL forms)")
    return (f"{scheme}://… is not a URL Apprise can use: check its form in Apprise's "
            f"documentation of {scheme}://")

"""The digest as the operations build it: the window's stories with the failing health
checks of the same settings (the cycle, the daemon, ``monitor digest`` and the web page all
come here, so a digest never judges the sources by other thresholds than its cycle)."""

from __future__ import annotations

from monitor.digest.build import Digest, build_digest, digest_options
from monitor.ops.health import failing_checks
from monitor.storage.database import Storage


def digest_with_health(storage: Storage, settings, day=None, **window) -> Digest:
    """``build_digest`` of ``day`` or of ``window`` (``since``, ``now``), with the sources
    and language of ``settings`` and the failing checks judged by the same settings."""
    return build_digest(storage, day, checks=failing_checks(storage, settings),
                        **digest_options(settings), **window)

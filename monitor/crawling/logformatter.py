"""Log formatter: a dropped article is logged by its reason, not with the whole item (whose
raw page may weigh megabytes)."""

from __future__ import annotations

import logging

from scrapy.logformatter import LogFormatter


class MonitorLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider):
        return {
            "level": logging.INFO,
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }

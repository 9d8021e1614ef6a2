"""Scrapy adapters of the monitor: download handler, middlewares and extensions.

Thin: each reads its settings in ``from_crawler`` and calls into ``monitor``'s pure
modules or ``monitor.storage.database``.
"""

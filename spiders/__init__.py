"""Spiders route requests only: list pages → article pages → ``monitor.extraction.chain``.

One spider per kind of source; ``-a source=NAME[,NAME]`` picks sources of that kind
from sources.toml (default: all enabled ones of that kind).
"""

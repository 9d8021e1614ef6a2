from spiders.base import SourceSpider


class NeteaseSpider(SourceSpider):
    """NetEase (163.com): channel lists (JSONP/JSON), search pages (JavaScript), articles."""

    name = "netease"
    kind = "netease"
    kind_domains = ("163.com",)

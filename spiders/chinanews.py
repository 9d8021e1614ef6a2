from spiders.base import SourceSpider


class ChinanewsSpider(SourceSpider):
    """China News: scroll lists, daily archives, channel pages, articles on both hosts."""

    name = "chinanews"
    kind = "chinanews"
    kind_domains = ("chinanews.com", "chinanews.com.cn")

from monitor.classify import classify
from monitor.simplified import simplified


class ClassifyPipeline:
    """Topic flags (medical_aid, sister_hospital) with scores, evidence, institutions and
    partner pairs; the source's ``title`` in sources.toml is the publisher a text's 我院
    stands for."""

    def __init__(self, crawler=None):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        spider = getattr(self.crawler, "spider", None)
        titles = {s.name: s.title for s in getattr(spider, "sources", [])}
        item.flags = classify(*simplified(item), simplified=True,
                              original=(item.title or "", item.body or ""),
                              publisher=titles.get(item.source) or None)
        return item

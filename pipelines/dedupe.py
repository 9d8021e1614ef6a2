from monitor.judgement.dedup import dedup_keys


class DedupePipeline:
    """The article's dedup keys. The store checks the URL key (same page: dropped) and the
    text fingerprint (same text under another URL: marked as a duplicate of the first
    copy), and puts near-duplicate text in its story (``monitor.storage.database.group_story``),
    all in its one transaction."""

    def process_item(self, item):
        return dedup_keys(item)

from monitor.article.dates import resolve_published


class DatesPipeline:
    """Publication time from the page's date candidates (never after the fetch time)."""

    def process_item(self, item):
        return resolve_published(item)

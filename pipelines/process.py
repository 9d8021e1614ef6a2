from monitor.crawling.drops import DropArticle
from monitor.processing import UnusableArticle, process_article


class ProcessPipeline:
    """Every step of ``monitor.processing`` in its order; an unusable page is dropped with
    its reason counted in the run record."""

    def process_item(self, item):
        try:
            return process_article(item)
        except UnusableArticle as exc:
            raise DropArticle(exc.kind, str(exc)) from None

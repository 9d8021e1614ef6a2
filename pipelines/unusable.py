from monitor.article.unusable import unusable
from pipelines import DropArticle


class UnusablePipeline:
    """Empty, binary or textless pages out, with the reason counted in the run record."""

    def process_item(self, item):
        found = unusable(item)
        if found:
            raise DropArticle(*found)
        return item

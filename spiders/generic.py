from spiders.base import SourceSpider


class GenericSpider(SourceSpider):
    """Any other news site: the source's selectors, then the generic extractor."""

    name = "generic"
    kind = "generic"

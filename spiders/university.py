from spiders.base import SourceSpider


class UniversitySpider(SourceSpider):
    """The ``institution`` spider under its older name (sources of kind ``university``)."""

    name = "university"
    kind = "university"

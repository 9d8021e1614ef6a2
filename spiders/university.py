from spiders.base import SourceSpider


class UniversitySpider(SourceSpider):
    """University and hospital news sites: VSB / WebPlus CMS preset, generic otherwise."""

    name = "university"
    kind = "university"

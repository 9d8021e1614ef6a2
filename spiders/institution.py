from spiders.base import SourceSpider


class InstitutionSpider(SourceSpider):
    """Institutions' own news sites (hospitals, universities, health commissions,
    institutes): VSB / WebPlus CMS preset, generic otherwise. ``university`` is the same
    spider under the kind's older name."""

    name = "institution"
    kind = "institution"

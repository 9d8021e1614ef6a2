from monitor.judgement.flags import classify
from monitor.judgement.simplified import simplified


class ClassifyPipeline:
    """Topic flags (medical_aid, sister_hospital) with scores, evidence and institutions."""

    def process_item(self, item):
        item.flags = classify(*simplified(item), simplified=True)
        return item

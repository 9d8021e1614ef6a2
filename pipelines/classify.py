from monitor.classify import classify


class ClassifyPipeline:
    """Topic flags (medical_aid, sister_hospital) with scores, evidence and institutions."""

    def process_item(self, item):
        item.flags = classify(item.title or "", item.body or "")
        return item

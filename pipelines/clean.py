from monitor.article.clean import clean_article


class CleanPipeline:
    """Boilerplate, ads and content-farm injections out; whitespace normalised."""

    def process_item(self, item):
        return clean_article(item)

"""Item pipelines: thin Scrapy adapters over the pure steps in ``monitor.processing``
(their order has its one home there), then the store. They raise the exceptions of
``monitor.crawling.drops``."""

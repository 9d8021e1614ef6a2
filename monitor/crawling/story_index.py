"""One story index per database in this process, shared by every crawler of a run.

``monitor crawl`` runs one crawler per source in one process: a repost found by one
source must match the original stored by another a moment earlier, so the index is
process-wide (all pipelines run in the reactor thread: no locking needed). It is built
from the stored signatures the first time it is needed.
"""

from __future__ import annotations

from monitor.stories import StoryIndex

_INDEXES: dict[str, StoryIndex] = {}


def story_index(storage) -> StoryIndex:
    index = _INDEXES.get(storage.database_url)
    if index is None:
        index = _INDEXES[storage.database_url] = StoryIndex.from_signatures(
            storage.story_signatures()
        )
    return index

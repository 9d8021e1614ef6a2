"""The article item that flows from a spider through the pipelines into storage.

Every step is a pure function that takes an ``Article`` and returns it with more
fields filled in: extraction (``monitor.extraction.chain``) → cleaning (``monitor.article.clean``)
→ dates (``monitor.article.dates``) → dedup keys (``monitor.judgement.dedup``) → flags
(``monitor.judgement.flags``). Pipelines read it through ``ItemAdapter``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class DateCandidate:
    """A piece of page text that may hold the publication time, and where it came from."""

    text: str
    origin: str  # e.g. "site:div.post_info", "meta:article:published_time", "dateline", "url"


@dataclass
class Image:
    src: str
    caption: str | None = None


@dataclass
class Evidence:
    """One sentence that triggered a flag, with the terms matched in it."""

    sentence: str
    terms: list[str]


@dataclass
class Flag:
    value: bool
    score: float
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Partner:
    """Two parties the text puts in a relation (monitor.partners): for aid (对口支援, 援外)
    ``a`` gives and ``b`` receives; for agreements (合作协议, 医联体, 姊妹医院, 共建) they are
    in the text's order. ``evidence`` quotes the text (at most 60 characters)."""

    a: str
    b: str
    relation: str
    evidence: str = ""


@dataclass
class Flags:
    medical_aid: Flag
    sister_hospital: Flag
    institutions: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    # who aids or agrees with whom (monitor.partners)
    partners: list[Partner] = field(default_factory=list)
    # the short forms the partners' names were resolved from, as the text writes them:
    # {short form: the full name a partner carries} (中山五院 → 中山大学附属第五医院); what
    # the institutions table learns its aliases from (monitor.storage.institutions)
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """The names of the flags that are set, in a stable order."""
        return [name for name in ("medical_aid", "sister_hospital") if getattr(self, name).value]


@dataclass
class Article:
    # --- what was fetched
    url: str
    source: str  # name of the source in sources.toml
    fetched_at: datetime  # timezone-aware; the response's Date header, else the clock
    raw_html: bytes = b""
    encoding: str | None = None  # encoding the page was decoded with
    # the institution whose site published it (the source's title): what its 我院 stands for
    publisher: str | None = None
    # --- extracted (monitor.extraction.chain); None with a reason in `notes` when missing
    site: str | None = None  # site family that served it: netease, chinanews, vsb, generic
    canonical_url: str | None = None
    title: str | None = None
    outlet: str | None = None  # 来源: the original publisher
    author: str | None = None
    body: str | None = None  # paragraphs in order, separated by "\n"
    images: list[Image] = field(default_factory=list)
    extractor: str | None = None  # which step produced the body: "site:<rule>", "meta", "generic"
    field_origins: dict[str, str] = field(default_factory=dict)  # field -> step that produced it
    date_candidates: list[DateCandidate] = field(default_factory=list)
    # --- cleaning (monitor.article.clean)
    low_quality: bool = False
    quality_reasons: list[str] = field(default_factory=list)
    # --- dates (monitor.article.dates)
    published_at: datetime | None = None
    published_origin: str | None = None  # origin of the candidate that gave published_at
    # --- dedup (monitor.judgement.dedup)
    url_key: str | None = None  # normalised URL: same key = same page
    fingerprint: str | None = None  # hash of the normalised body: same hash = same text
    duplicate_of: int | None = None  # id of the stored article with the same text
    story_signature: bytes | None = None  # MinHash of the text (monitor.judgement.stories)
    story_of: int | None = None  # id of a stored article telling the same story
    story_id: int | None = None  # the story it was stored in (its #ID), set by add_article
    # --- flags (monitor.judgement.flags)
    flags: Flags | None = None
    # --- why a field is missing, what was removed, etc. (kept with the article)
    notes: list[str] = field(default_factory=list)
    # --- (title, body) and their simplified-character form, made once by
    # monitor.judgement.simplified.simplified for the flags and the stories; not stored
    simplified: tuple[tuple[str, str], tuple[str, str]] | None = field(default=None,
                                                                       repr=False)

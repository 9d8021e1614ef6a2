"""Story clustering benchmark: ``.venv/bin/python -m bench.dedup`` (``make bench-dedup``).

1. Grouping quality on ``tests/data/story_pairs.jsonl`` and ``repost_pairs.jsonl`` (real
   texts and reposts of them, see ``bench/repost_pairs.py``): each pair alone, grouped
   when ``a`` and ``b`` share an LSH band or an event key and ``b`` is confirmed against ``a``
   (``monitor.storyevents.story_match``, as the store path runs it):
   precision and recall of "same story".
2. Scale: 1k, 10k and 100k stored articles synthesised from the saved article texts
   (``seeds/*.txt`` and the ``expected.json`` bodies). Each synthetic article takes 6-20
   sentences of the whole pool in random order, replaces each Chinese character with
   probability ``SUBSTITUTION`` by one drawn from the pool's character frequencies (other
   names, places and wording), gives numbers new values, and is sometimes truncated or
   injected with fragments of its title. The mean Jaccard between two of them is printed
   next to the one between the real different stories of the pairs file, to show the
   stored articles are mostly distinct stories with a realistic background overlap.
   At each size the articles (signatures, stories, LSH bands) are bulk-loaded into a
   SQLite database, then ``BATCH`` articles are stored as the crawl stores them (story
   text + signature, then ``Storage.add_article``: band look-up, confirmation, story,
   bands), half new stories and half reposts of stored articles (own intro, trimmed
   ending, injected fragments, traditional characters, punctuation changes): the median
   and 90th percentile time per insert, the LSH candidates per query, the size of the
   ``story_bands`` table on disk, the Python memory allocated meanwhile (the index is not
   held in memory), how many reposts were matched to their original (or to an earlier
   copy of it) and how many new stories were matched to anything.

Signatures of the stored articles are computed on every core (``multiprocessing``).
"""

from __future__ import annotations

import itertools
import json
import random
import re
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from multiprocessing import Pool
from pathlib import Path

from opencc import OpenCC
from sqlalchemy import insert, select, text

from bench.scores import Score
from monitor.article.item import Article
from monitor.judgement.dedup import dedup_keys
from monitor.judgement.stories import (
    Signature,
    band_keys,
    shingles,
    signature,
    story_text,
)
from monitor.judgement.storyevents import Event, event, event_keys, story_match
from monitor.storage.database import Storage
from monitor.storage.migrations import open_storage
from monitor.storage.models import StoredArticle, Story, StoryBand

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "tests" / "data" / "story_pairs.jsonl"
# real texts and copies of them made as reposting sites make them (bench/repost_pairs.py)
REPOST_PAIRS = ROOT / "tests" / "data" / "repost_pairs.jsonl"
SIZES = (1_000, 10_000, 100_000)
BATCH = 500  # timed inserts at each size
SUBSTITUTION = 0.15  # share of characters replaced in a synthetic article
CHUNK = 1_000  # synthetic articles per worker task
# targets of issues 5 and 11; tests/test_stories.py fails under them
PRECISION_TARGET = {"story_pairs.jsonl": 0.99, "repost_pairs.jsonl": 1.00}
RECALL_TARGET = {"story_pairs.jsonl": 0.95, "repost_pairs.jsonl": 0.95}

_SENTENCE = re.compile(r"(?<=[。！？；!?;])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMBER = re.compile(r"\d+")


# --- grouping quality on the labelled pairs --------------------------------------------

def load_pairs(path: Path = PAIRS) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _signature_of(article: dict) -> Signature:
    return signature(story_text(article["title"], article["body"]))


def _index_keys(sig: Signature, ev: Event) -> set[int]:
    """The keys an article is indexed and looked up under (``monitor.storage.articles``)."""
    bands = band_keys(sig)
    return set(bands + event_keys(ev)) if bands else set()


def evaluate_pairs(pairs: list[dict]) -> tuple[Score, list[str]]:
    """Score of "``b`` matches ``a``" over the pairs, and the ids of the wrong ones: ``a``
    and ``b`` share a band or an event key (what the band table finds), and ``b`` is
    confirmed against ``a`` as a copy or as a write-up of the same event
    (``monitor.storyevents.story_match``, as ``monitor.storage.match_story`` runs it)."""
    score, wrong = Score(), []
    for pair in pairs:
        a, b = _signature_of(pair["a"]), _signature_of(pair["b"])
        ev_a = event(pair["a"]["title"], pair["a"]["body"])
        ev_b = event(pair["b"]["title"], pair["b"]["body"])
        candidate = bool(_index_keys(a, ev_a) & _index_keys(b, ev_b))
        stored = (1, a.to_bytes(), None, pair["a"]["title"], pair["a"]["body"])
        shared = set(event_keys(ev_a)) if band_keys(a) else set()
        same = candidate and story_match(
            b, ev_b, [stored[:3]], lambda ids, row=stored: [row] if ids else [],
            lambda keys, mine=shared: [1] if mine & set(keys) else []) == 1
        if same and pair["same"]:
            score.tp += 1
        elif same:
            score.fp += 1
        elif pair["same"]:
            score.fn += 1
        else:
            score.tn += 1
        if same != pair["same"]:
            wrong.append(pair["id"])
    return score, wrong


# --- synthetic stored articles ---------------------------------------------------------

@dataclass(frozen=True)
class SourcePool:
    sentences: tuple[str, ...]
    chars: tuple[str, ...]
    cum_weights: tuple[int, ...]


@cache
def source_pool() -> SourcePool:
    """Sentences of the saved article texts and the frequencies of their characters."""
    texts = [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    texts += [json.loads(p.read_text("utf-8"))["body"]
              for p in sorted((ROOT / "seeds" / "site").glob("**/expected.json"))]
    sentences = tuple(
        s.strip() for text in texts for line in text.splitlines()
        for s in _SENTENCE.split(line) if len(_CJK.findall(s)) >= 10
    )
    counts = Counter(c for s in sentences for c in _CJK.findall(s))
    chars = tuple(counts)
    return SourcePool(sentences, chars, tuple(itertools.accumulate(counts[c] for c in chars)))


def _mutate(sentence: str, rng: random.Random) -> str:
    pool = source_pool()
    out = list(sentence)
    spots = [i for i, c in enumerate(out) if _CJK.match(c) and rng.random() < SUBSTITUTION]
    for i, c in zip(spots, rng.choices(pool.chars, cum_weights=pool.cum_weights, k=len(spots)),
                    strict=True):
        out[i] = c
    return _NUMBER.sub(lambda m: str(rng.randint(1, 10 ** len(m.group()))), "".join(out))


def _inject(body: str, title: str, rng: random.Random) -> str:
    """Fragments of the title pushed into sentences, as the content farm of seed 001."""
    out = []
    for s in _SENTENCE.split(body):
        if len(s) > 8 and rng.random() < 0.5:
            n = rng.randint(2, 4)
            start = rng.randrange(max(1, len(title) - n))
            at = rng.randrange(2, len(s) - 2)
            s = s[:at] + title[start:start + n] + s[at:]
        out.append(s)
    return "".join(out)


def synthetic_article(number: int) -> tuple[str, str]:
    """Stored article ``number`` (title, body): the same number gives the same text."""
    rng = random.Random(number)
    picked = rng.sample(source_pool().sentences, rng.randint(6, 20))
    body = [_mutate(s, rng) for s in picked]
    title = _mutate(rng.choice(source_pool().sentences), rng)[: rng.randint(12, 26)]
    if rng.random() < 0.2:
        body = body[: max(3, int(len(body) * rng.uniform(0.5, 0.9)))]
    text = "\n".join(body)
    if rng.random() < 0.1:
        text = _inject(text, title, rng)
    return title, text


@cache
def _s2t() -> OpenCC:
    return OpenCC("s2t")


def _trim(body: str, keep: float) -> str:
    sentences = _SENTENCE.split(body)
    return "".join(sentences[: max(3, int(len(sentences) * keep))])


def repost(title: str, body: str, rng: random.Random) -> tuple[str, str]:
    """A copy of a stored article as another site would run it, with one to three of: its
    own intro sentence (20-60 characters) in place of the first, a trimmed ending, title
    fragments injected, traditional characters, changed punctuation and spacing."""
    edits = rng.sample(["intro", "trim", "inject", "traditional", "punctuation"],
                       rng.randint(1, 3))
    if "intro" in edits:
        intro = _mutate(rng.choice(source_pool().sentences), rng)[: rng.randint(20, 60)]
        body = intro + "。\n" + "".join(_SENTENCE.split(body)[1:])
    if "trim" in edits:
        body = _trim(body, rng.uniform(0.5, 0.9))
    if "inject" in edits:
        body = _inject(body, title, rng)
    if "traditional" in edits:
        title, body = _s2t().convert(title), _s2t().convert(body)
    if "punctuation" in edits:
        body = body.replace("，", ", ").replace("。", ". ").replace("\n", "\n\u3000\u3000")
    return rng.choice([title, "转载：" + title]), body


def _signature_bytes(first: int) -> list[bytes]:
    """Signatures of synthetic articles ``first`` .. ``first + CHUNK - 1`` (worker task)."""
    return [signature(story_text(*synthetic_article(n))).to_bytes()
            for n in range(first, first + CHUNK)]


def stored_signatures(count: int) -> list[bytes]:
    with Pool() as pool:
        chunks = pool.map(_signature_bytes, range(0, count, CHUNK))
    return [data for chunk in chunks for data in chunk][:count]


def background_jaccard(count: int = 200) -> tuple[float, float]:
    """Mean Jaccard between two synthetic articles, and between two real different
    stories (any two texts of the pairs file's different-story pairs)."""
    synthetic = [shingles(story_text(*synthetic_article(n))) for n in range(count)]
    texts = {(p[side]["title"], p[side]["body"]) for p in load_pairs() if not p["same"]
             for side in "ab"}
    real = [shingles(story_text(*text)) for text in sorted(texts)]

    def jaccard(a: set, b: set) -> float:
        return len(a & b) / len(a | b)

    return (statistics.fmean(jaccard(a, b) for a, b in itertools.combinations(synthetic, 2)),
            statistics.fmean(jaccard(a, b) for a, b in itertools.combinations(real, 2)))


# --- measurements at scale -------------------------------------------------------------

@dataclass
class Level:
    size: int
    fill_s: float  # bulk-loading the stored articles, their stories and their bands
    bands_mb: float  # story_bands table and its indexes, on disk
    articles_mb: float  # the articles table (signatures only, no pages) and its indexes
    process_mb: float  # Python memory allocated while inserting (peak, tracemalloc)
    insert_ms: list[float]
    lookup_ms: list[float]  # the index alone: band look-up and confirmation
    candidates: list[int]
    reposts_found: int = 0
    reposts: int = 0
    new_matched: int = 0
    new: int = 0


def _fill(storage: Storage, stored: list[bytes], size: int) -> None:
    """``size`` stored articles, one story each, indexed in ``story_bands`` (bulk rows,
    as the crawl would have left them)."""
    now = datetime.now(UTC)
    with storage.engine.begin() as connection:
        for first in range(0, size, CHUNK):
            numbers = range(first, min(size, first + CHUNK))
            connection.execute(insert(Story), [
                {"id": n + 1, "representative_id": n + 1, "first_seen_at": now, "members": 1}
                for n in numbers])
            connection.execute(insert(StoredArticle), [
                {"id": n + 1, "url": f"https://example.cn/{n}.html",
                 "url_key": f"example.cn/{n}.html", "source": "bench", "images": [],
                 "field_origins": {}, "fetched_at": now, "first_seen_at": now, "raw_html": b"",
                 "quality_reasons": [], "flags": {}, "notes": [], "story_id": n + 1,
                 "story_signature": stored[n]} for n in numbers])
            connection.execute(insert(StoryBand), [
                {"band": key, "article_id": n + 1} for n in numbers
                for key in set(band_keys(Signature.from_bytes(stored[n])))])


def _table_mb(storage: Storage, table: str) -> float:
    """Bytes on disk of a SQLite table and its indexes (the dbstat virtual table)."""
    with storage.engine.connect() as connection:
        names = [table, *connection.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
            {"t": table})]
        used = sum(connection.scalar(text("SELECT coalesce(sum(pgsize), 0) FROM dbstat "
                                          "WHERE name = :n"), {"n": n}) for n in names)
    return used / 2**20


def _candidates(storage: Storage, sig: Signature, own: int) -> int:
    keys = band_keys(sig)
    if not keys:
        return 0
    with storage.session() as s:
        return len(set(s.scalars(select(StoryBand.article_id)
                                 .where(StoryBand.band.in_(keys))).all()) - {own})


def measure(size: int, stored: list[bytes], rng: random.Random, folder: Path) -> Level:
    storage = open_storage(f"sqlite:///{folder / f'bench-{size}.db'}")
    started = time.perf_counter()
    _fill(storage, stored, size)
    level = Level(size, time.perf_counter() - started, _table_mb(storage, "story_bands"),
                  _table_mb(storage, "articles"), 0.0, [], [], [])
    story = {}  # inserted repost id -> id of the stored article it copies
    tracemalloc.start()
    for i in range(BATCH):
        original = rng.randrange(size) if i % 2 else None
        if original is None:
            title, body = synthetic_article(size + i)  # not stored: a new story
        else:
            title, body = repost(*synthetic_article(original), rng)
        article = Article(url=f"https://copy.example.cn/{size}/{i}.html", source="bench",
                          fetched_at=datetime.now(UTC), title=title, body=body)
        started = time.perf_counter()
        dedup_keys(article)
        new_id = storage.add_article(article)
        done = time.perf_counter()
        found = article.story_of
        level.insert_ms.append((done - started) * 1e3)
        started = time.perf_counter()
        storage.find_story(article.story_signature)  # the look-up again, timed alone
        level.lookup_ms.append((time.perf_counter() - started) * 1e3)
        level.candidates.append(_candidates(storage, Signature.from_bytes(
            article.story_signature), new_id))
        if original is None:
            level.new += 1
            level.new_matched += found is not None
        else:
            level.reposts += 1
            # ids of the stored articles are their number + 1; or an earlier copy of it
            level.reposts_found += story.get(found, (found or 0) - 1) == original
            story[new_id] = original
    level.process_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    storage.close()
    return level


def _quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1]


def format_levels(levels: list[Level]) -> str:
    lines = [
        "| stored articles | insert ms (median / p90) | of which story look-up ms | "
        "LSH candidates (mean / p99) | bulk load s | story_bands MB on disk (per article) | "
        "memory in process MB | reposts matched to their original | "
        "new stories matched to something |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lv in levels:
        lines.append(
            f"| {lv.size:,} | {statistics.median(lv.insert_ms):.2f} / "
            f"{_quantile(lv.insert_ms, 0.9):.2f} | {statistics.median(lv.lookup_ms):.2f} | "
            f"{statistics.fmean(lv.candidates):.1f} / {_quantile(lv.candidates, 0.99):.0f} | "
            f"{lv.fill_s:.0f} | {lv.bands_mb:.1f} ({lv.bands_mb * 2**20 / lv.size:.0f} B) | "
            f"{lv.process_mb:.1f} | {lv.reposts_found}/{lv.reposts} | "
            f"{lv.new_matched}/{lv.new} |"
        )
    first, last = levels[0], levels[-1]
    growth = statistics.median(last.insert_ms) / statistics.median(first.insert_ms)
    lines.append("")
    lines.append(f"Time per insert at {last.size:,} / at {first.size:,} stored: {growth:.2f}x "
                 "(target: at most 2x). The articles table (signatures, no pages) takes "
                 f"{last.articles_mb:.0f} MB at {last.size:,}.")
    return "\n".join(lines)


def format_pairs(score: Score, wrong: list[str]) -> str:
    return "\n".join([
        "| pairs | same story | precision | recall |",
        "|---:|---:|---:|---:|",
        f"| {score.tp + score.fp + score.fn + score.tn} | {score.tp + score.fn} | "
        f"{score.precision:.3f} | {score.recall:.3f} |",
        "",
        "Wrong: " + (", ".join(wrong) if wrong else "none") + ".",
    ])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    sizes = tuple(int(a) for a in args) or SIZES
    started = time.perf_counter()
    for path in (PAIRS, REPOST_PAIRS):
        print(f"## Grouping on tests/data/{path.name}\n")
        print(format_pairs(*evaluate_pairs(load_pairs(path))))
        print()
    synthetic, real = background_jaccard()
    print(f"\nMean Jaccard between two synthetic stored articles {synthetic:.4f}; "
          f"between the different stories of the pairs file {real:.4f}.\n")
    stored = stored_signatures(max(sizes))
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as folder:
        levels = [measure(size, stored, rng, Path(folder)) for size in sizes]
    print("## Inserting into a filled index\n")
    print(format_levels(levels))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak RSS of the benchmark process {peak:.0f} MB; "
          f"{time.perf_counter() - started:.0f} s in all.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

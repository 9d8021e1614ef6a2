"""Build ``tests/data/repost_pairs.jsonl``: story pairs made from real texts the way other
outlets repost them: ``.venv/bin/python -m bench.repost_pairs`` (the file is committed; run
this only to rebuild it, it is deterministic).

Real texts: the article pages saved in ``seeds/site`` (their ``expected.json`` title and
body) and the labelled excerpts (``tests/data/flagging-dev.jsonl``,
``../shared/labelled/flagging-dev2.jsonl``). Every pair says how it was made (``how``):

same story (``same: true``), one real text and a copy of it as a reposting site makes it:
- ``short-copy``: the first paragraphs only (about 25-50 % of the sentences, at least
  three), a ``来源：`` line naming the original outlet, an editor line;
- ``agency-copy``: the original's dateline dropped and another agency's put in its place
  (``中新网…电``, ``新华社…电``, ``本报讯``), a ``来源：`` line, ``(完)``, an editor line,
  a headline with a prefix;
- ``traditional-spun``: synonyms swapped the way 伪原创 tools do (``SYNONYMS``, each
  occurrence with probability ``SPIN``), then converted to traditional characters (OpenCC
  ``s2t``, ``s2hk`` or ``s2tw``);
- ``spun``: the same synonym swapping, simplified characters kept;
- ``two-outlets``: two write-ups of one press release, neither the release itself: each
  outlet its own dateline, lead sentence and headline; one drops the last fifth, the
  other one sentence from the middle, moves a quote forward and swaps some synonyms.

different stories (``same: false``):
- ``same-institution``: two real texts naming the same institution (two signings of one
  hospital, one hospital's two news items), the pairs of texts sharing an institution;
- ``same-topic``: two real texts of the same flag, the closest pairs by shingle overlap
  (two different aid teams, two alliances, two signings);
- ``template``: a real release and one edited from it for another event (its first and
  last two sentences kept, the rest replaced by another real text of the same flag,
  numbers changed), as a hospital's next press release is written from the last;
- ``copy-of-other``: a traditional-character or agency copy of one real text against a
  different real text of the same flag.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

from opencc import OpenCC

from bench.flagging import DATA as DEV
from bench.flagging import VALIDATION as DEV2
from monitor.judgement.entities import institutions
from monitor.judgement.simplified import to_simplified
from monitor.judgement.stories import shingles, story_text

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "repost_pairs.jsonl"
SPIN = 0.5  # probability that a spinnable word is swapped
# common swaps of Chinese article-spinning ("伪原创") tools
SYNONYMS = {
    "近日": "日前", "开展": "展开", "表示": "指出", "提高": "提升", "帮助": "协助",
    "目前": "当前", "重要": "关键", "非常": "十分", "已经": "已", "能够": "可以",
    "获得": "取得", "认为": "觉得", "举行": "举办", "期间": "其间", "据介绍": "据了解",
    "此外": "另外", "不断": "持续", "积极": "主动", "共同": "一同", "患者": "病人",
    "医生": "大夫", "成功": "顺利", "全面": "全方位", "促进": "推动", "加强": "强化",
    "进一步": "更进一步", "同时": "与此同时", "主要": "首要", "迅速": "快速", "随后": "接着",
    "每年": "每一年", "带来": "带去", "了解": "知悉", "参加": "参与", "实现": "达成",
}
OUTLETS = ["人民网", "健康报", "新华网", "中国新闻网", "光明网", "澎湃新闻", "南方网"]
DATELINES = ["中新网{city}{m}月{d}日电 (记者 {name})", "新华社{city}{m}月{d}日电(记者{name})",
             "本报讯(记者 {name} 通讯员 {name2})", "人民网{city}{m}月{d}日电 (记者{name})"]
CITIES = ["北京", "上海", "乌鲁木齐", "拉萨", "成都", "广州", "南宁", "西宁"]
NAMES = ["王晓", "李明", "张华", "刘洋", "陈静", "赵磊", "周婷"]
_DATELINE = re.compile(
    r"^[^\n。]{0,20}?(?:\d+月\d+日电|讯)\s*(?:[(（][^)）\n]{0,30}[)）])?\s*")
_SENTENCE = re.compile(r"(?<=[。！？!?；])")


def sentences(body: str) -> list[str]:
    return [s for s in _SENTENCE.split(body) if s.strip()]


def spin(text: str, rng: random.Random) -> str:
    pattern = re.compile("|".join(sorted(SYNONYMS, key=len, reverse=True)))
    return pattern.sub(lambda m: SYNONYMS[m.group()] if rng.random() < SPIN else m.group(),
                       text)


def editor(rng: random.Random) -> str:
    return f"【编辑:{rng.choice(NAMES)}】"


def dateline(rng: random.Random) -> str:
    return rng.choice(DATELINES).format(city=rng.choice(CITIES), m=rng.randint(1, 12),
                                        d=rng.randint(1, 28), name=rng.choice(NAMES),
                                        name2=rng.choice(NAMES))


def short_copy(title: str, body: str, rng: random.Random) -> tuple[str, str]:
    parts = sentences(body)
    kept = parts[: max(3, round(len(parts) * rng.uniform(0.25, 0.5)))]
    return title, f"来源：{rng.choice(OUTLETS)}\n" + "".join(kept) + "\n" + editor(rng)


def agency_copy(title: str, body: str, rng: random.Random) -> tuple[str, str]:
    body = _DATELINE.sub("", body.lstrip(), count=1)
    source = f"(来源：{rng.choice(OUTLETS)})"
    return (rng.choice(["【健康】", "转载｜", "关注："]) + title,
            dateline(rng) + body + "(完)\n" + source + "\n" + editor(rng))


def traditional_spun(title: str, body: str, rng: random.Random) -> tuple[str, str]:
    convert = OpenCC(rng.choice(["s2t", "s2hk", "s2tw"])).convert
    return convert(spin(title, rng)), convert(spin(body, rng))


def spun(title: str, body: str, rng: random.Random) -> tuple[str, str]:
    return spin(title, rng), spin(body, rng)


def two_outlets(title: str, body: str, rng: random.Random) -> tuple[tuple, tuple]:
    """Two write-ups of the release (title, body)."""
    parts = sentences(_DATELINE.sub("", body.lstrip(), count=1))
    lead_a = f"记者{rng.choice(['近日', '日前'])}从有关方面获悉。"
    a_body = dateline(rng) + lead_a + "".join(parts[: max(4, round(len(parts) * 0.8))])
    middle = len(parts) // 2
    b_parts = parts[:middle] + parts[middle + 1:]
    quote = next((i for i, s in enumerate(b_parts) if "“" in s and i > 2), None)
    if quote is not None:
        b_parts.insert(1, b_parts.pop(quote))
    b_body = "本报讯 " + spin("".join(b_parts), random.Random(rng.random()))
    return ((f"{title}（{rng.choice(OUTLETS)}）", a_body + "\n" + editor(rng)),
            (rng.choice(["聚焦｜", "一线｜"]) + title, b_body))


def renumber(text: str, rng: random.Random) -> str:
    return re.sub(r"\d+", lambda m: str(rng.randint(1, 10 ** len(m.group()))), text)


def template(release: tuple, other: tuple, rng: random.Random) -> tuple[str, str]:
    """Another event's release edited from ``release``: its first and last two sentences
    kept, the rest from ``other``, numbers changed."""
    parts, others = sentences(release[1]), sentences(other[1])
    body = parts[0] + "".join(others[1:]) + "".join(parts[-2:])
    return other[0], renumber(body, rng)


# --- the real texts --------------------------------------------------------------------

def site_texts() -> list[dict]:
    """The saved article pages' texts (content-farm copies of other pages left out)."""
    out = []
    for path in sorted((ROOT / "seeds" / "site").glob("**/expected.json")):
        data = json.loads(path.read_text("utf-8"))
        if "jkzx365" in str(path) or not data.get("body"):
            continue
        out.append({"id": path.parent.name, "title": data["title"], "body": data["body"],
                    "flags": sorted(data.get("flags") or [])})
    return out


def labelled_texts() -> list[dict]:
    out = []
    for path in (DEV, DEV2):
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            flags = [f for f in ("medical_aid", "sister_hospital") if row[f"label_{f}"]]
            body = re.sub(r"……", "", row["body"])
            out.append({"id": row["id"], "title": row["title"], "body": body, "flags": flags})
    return out


def pair(pid: str, how: str, same: bool, a: tuple, b: tuple, why: str) -> dict:
    return {"id": pid, "how": how, "same": same, "why": why,
            "a": {"title": a[0], "body": a[1]}, "b": {"title": b[0], "body": b[1]}}


def build() -> list[dict]:
    rng = random.Random(11)
    site = site_texts()
    labelled = [t for t in labelled_texts() if len(story_text(t["title"], t["body"])) >= 150]
    rng.shuffle(labelled)
    long_site = [t for t in site if len(sentences(t["body"])) >= 6]
    pairs = []
    copies = [("short-copy", short_copy, long_site, 8), ("agency-copy", agency_copy, site, 6),
              ("agency-copy", agency_copy, labelled[:6], 6),
              ("traditional-spun", traditional_spun, site, 6),
              ("traditional-spun", traditional_spun, labelled[6:14], 8),
              ("spun", spun, site[6:], 4), ("spun", spun, labelled[14:18], 4)]
    for how, make, texts, count in copies:
        for text in texts[:count]:
            copy = make(text["title"], text["body"], rng)
            pairs.append(pair(f"{how}-{text['id']}", how, True, (text["title"], text["body"]),
                              copy, f"{how} of {text['id']}"))
    for text in long_site[:8]:
        a, b = two_outlets(text["title"], text["body"], rng)
        pairs.append(pair(f"two-outlets-{text['id']}", "two-outlets", True, a, b,
                          f"two outlets' write-ups of {text['id']}"))
    every = site + labelled_texts()
    # different stories: texts naming the same institution
    named: dict[str, list[dict]] = {}
    for text in every:
        for name in institutions(to_simplified(text["title"] + "\n" + text["body"])):
            if len(name) >= 5:
                named.setdefault(name, []).append(text)
    seen: set[tuple[str, str]] = set()
    for name, texts in sorted(named.items()):
        for x, y in itertools.combinations(texts, 2):
            key = tuple(sorted((x["id"], y["id"])))
            if key in seen:
                continue
            seen.add(key)
            pairs.append(pair(f"same-institution-{key[0]}-{key[1]}", "same-institution", False,
                              (x["title"], x["body"]), (y["title"], y["body"]),
                              f"two stories naming {name}"))
    # different stories: the closest pairs of the same flag
    grams = {t["id"]: shingles(story_text(t["title"], t["body"])) for t in every}
    scored = []
    for x, y in itertools.combinations(every, 2):
        key = tuple(sorted((x["id"], y["id"])))
        if key in seen or not x["flags"] or x["flags"] != y["flags"]:
            continue
        a, b = grams[x["id"]], grams[y["id"]]
        scored.append((len(a & b) / max(1, min(len(a), len(b))), key, x, y))
    for overlap, key, x, y in sorted(scored, key=lambda s: (-s[0], s[1]))[:12]:
        seen.add(key)
        pairs.append(pair(f"same-topic-{key[0]}-{key[1]}", "same-topic", False,
                          (x["title"], x["body"]), (y["title"], y["body"]),
                          f"two {'/'.join(x['flags'])} stories, containment {overlap:.2f}"))
    # different stories: a release edited from another for a new event
    by_flag = [t for t in long_site if t["flags"]]
    for release in by_flag[:5]:
        other = next(t for t in labelled if t["flags"] == release["flags"])
        labelled.remove(other)
        edited = template((release["title"], release["body"]),
                          (other["title"], other["body"]), rng)
        pairs.append(pair(f"template-{release['id']}", "template", False,
                          (release["title"], release["body"]), edited,
                          f"{release['id']} and a release edited from it for {other['id']}"))
    # different stories: a copy of one story against another of the same topic
    for x, y in zip(labelled[20:25], labelled[25:30], strict=True):
        make = traditional_spun if len(pairs) % 2 else agency_copy
        pairs.append(pair(f"copy-of-other-{x['id']}-{y['id']}", "copy-of-other", False,
                          make(x["title"], x["body"], rng), (y["title"], y["body"]),
                          f"a copy of {x['id']} against {y['id']}"))
    return pairs


def main() -> int:
    pairs = build()
    OUT.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), "utf-8")
    same = sum(p["same"] for p in pairs)
    print(f"{len(pairs)} pairs ({same} same story, {len(pairs) - same} different) → {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

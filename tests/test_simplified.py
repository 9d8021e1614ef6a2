"""monitor.judgement.simplified: one conversion per article, shared by the flags and the stories."""

from datetime import UTC, datetime

from monitor.article.item import Article
from monitor.judgement import simplified as module
from monitor.judgement.dedup import dedup_keys
from monitor.judgement.flags import classify
from monitor.judgement.simplified import simplified, to_simplified
from monitor.judgement.stories import story_text


def test_traditional_characters_become_simplified():
    assert to_simplified("醫院開展遠端會診，成效顯著") == "医院开展远端会诊，成效显著"
    assert to_simplified("") == ""


def test_simplified_text_is_returned_unconverted(monkeypatch):
    calls = []
    real = module._converter()
    monkeypatch.setattr(module, "_converter", lambda: calls.append(1) or real)
    text = "浙江大学“组团式”医疗援疆见成效"
    assert to_simplified(text) is text
    assert to_simplified("援疆醫療隊") == "援疆医疗队"
    assert calls == [1]


def test_an_article_is_converted_once_for_flags_and_stories(monkeypatch):
    calls = []
    real = module.to_simplified
    monkeypatch.setattr(module, "to_simplified", lambda text: calls.append(text) or real(text))
    article = Article(url="https://example.cn/1.html", source="t",
                      fetched_at=datetime(2025, 5, 4, tzinfo=UTC),
                      title="浙江大學“組團式”醫療援疆見成效",
                      body="援疆醫療隊在第一師醫院開展手術，填補當地空白。")
    dedup_keys(article)
    flags = classify(*simplified(article), simplified=True)
    assert len(calls) == 2  # title and body, once each
    assert flags.medical_aid.value
    assert simplified(article) == (real(article.title), real(article.body))
    article.body = "另一段正文。"
    assert simplified(article)[1] == "另一段正文。"  # a changed text is converted again
    assert story_text(*simplified(article), simplified=True) == story_text(article.title,
                                                                           article.body)

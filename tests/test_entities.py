from pathlib import Path

import pytest

from monitor.judgement import entities
from monitor.judgement.simplified import to_simplified

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def seed(prefix: str) -> str:
    return to_simplified(next(SEEDS.glob(f"{prefix}_*.txt")).read_text("utf-8"))


def test_seed_000_names_both_hospitals():
    names = entities.institutions(seed("000"))
    assert names[:2] == ["西南医科大学附属医院", "维尔茨堡大学阿莎芬堡医院"]


def test_seed_002_short_and_partial_names_resolve_to_the_agreement_title_names():
    names = entities.institutions(seed("002"))
    assert "复旦大学附属中山医院" in names
    assert "大连医科大学附属第一医院" in names
    # 附属第一医院 / 大医一院 / 中山医院 are the same two institutions, not new ones
    assert not {"附属第一医院", "大医一院", "中山医院"} & set(names)


def test_seed_001_declared_short_form_resolves_to_the_full_name():
    text = seed("001")
    assert entities.aliases(text)["中山五院"] == "中山大学附属第五医院"
    names = entities.institutions(text)
    assert names[:2] == ["中山大学附属第五医院", "新疆喀什地区第一人民医院"]
    assert "中山五院" not in names and "喀地一院" not in names


def test_two_names_joined_by_a_conjunction_are_split():
    mentions = entities.find_institutions("襄阳市第一人民医院与上海市东方医院签订协议")
    assert [m.name for m in mentions] == ["襄阳市第一人民医院", "上海市东方医院"]
    assert {m.kind for m in mentions} == {"hospital"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("专家来到北京协和医院", "北京协和医院"),  # 和 inside a name
        ("派驻新疆和田地区人民医院", "新疆和田地区人民医院"),
        ("转诊至华中科技大学同济医学院附属同济医院", "华中科技大学同济医学院附属同济医院"),
        ("在金山区中西医结合医院", "金山区中西医结合医院"),
        ("他们来自中国人民解放军海军第905医院", "中国人民解放军海军第905医院"),
    ],
)
def test_delimiter_characters_inside_names_are_kept(text, name):
    assert entities.institutions(text) == [name]


def test_kinds_of_institutions():
    found = entities.find_institutions("齐齐哈尔医学院、太原市卫健委和广东省中医院")
    assert [(m.name, m.kind) for m in found] == [
        ("齐齐哈尔医学院", "school"),
        ("太原市卫健委", "health"),
        ("广东省中医院", "hospital"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "该院与学校附属医院",  # generic words
        "浙江大学医学院6家附属医院",  # a count
        # a school named after a hospital
        "东莞暨大港澳子弟学校与香港仁济医院王华湘中学缔结姊妹学校",
        "中德医院协会在柏林成立",  # an association
        "建设现代化医院和三级综合性医院",  # descriptions
    ],
)
def test_generic_words_schools_and_associations_are_not_institutions(text):
    names = entities.institutions(text)
    assert not [n for n in names if n.endswith("医院")], names


def test_abbreviation_resolves_to_a_name_with_its_characters_in_order():
    names = ["复旦大学附属中山医院", "大连医科大学附属第一医院"]
    assert entities.resolve("大医一院", names) == "大连医科大学附属第一医院"
    assert entities.resolve("附属第一医院", names) == "大连医科大学附属第一医院"
    assert entities.resolve("华西二院", names) == "华西二院"


def test_places_in_order_and_longest_name_wins():
    text = "援疆医生从上海赴新疆喀什，后又随医疗队前往几内亚比绍和南疆"
    assert entities.places(text) == ["上海", "新疆", "喀什", "几内亚比绍", "南疆"]


@pytest.mark.parametrize(("text", "expected"), [
    # a short form starting with its level takes the place named before it
    ("海西州民众心脑血管疾病高发。长期以来，州人民医院心内科力量薄弱。", ["海西州人民医院"]),
    # and resolves to the full name when the text gives it
    ("萍乡市第二人民医院举行授牌仪式。随后，宜春学院将牌匾交到市二医院负责人手中。",
     ["萍乡市第二人民医院"]),
    # verbs and time words before a name are not part of it
    ("专家一边扎根安多县人民医院一边带教。", ["安多县人民医院"]),
    ("明年3月份开始宁波大学医学院将派出教师。", ["宁波大学医学院"]),
    ("应青海省卫健委邀请，队伍赴青海。", ["青海省卫健委"]),
])
def test_institution_names_are_cut_right(text, expected):
    assert entities.institutions(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a two-character verb whose first character is a function word is no part of a name
    ("代表团深入了解江城医科大学的办学情况。", ["江城医科大学"]),
    ("双方就合作对接南屏县人民医院。", ["南屏县人民医院"]),
    # two names glued by a hyphen are two names
    ("江城大学口腔医学院-南屏市口腔医院专科联盟成立", ["江城大学口腔医学院", "南屏市口腔医院"]),
    # a school named after two fields
    ("康复与护理学院与南屏县人民医院签约", ["康复与护理学院", "南屏县人民医院"]),
    # a short form written after the full name is the same institution
    ("江城大学人民医院专家来到南屏。江大人民医院表示", ["江城大学人民医院"]),
    ("江城市第二人民医院(以下简称“江二院”)。江城二院专家", ["江城市第二人民医院"]),
])
def test_names_are_cut_and_resolved_right(text, expected):
    assert entities.institutions(text) == expected


def test_other_parties_of_agreements_are_found_when_asked_for():
    text = "江城市人民政府与江城大学签约。江城市政府表示"
    assert entities.institutions(text) == []  # the flags count medical parties only
    names = [name for _, name in entities.resolved(text, entities.ALL_KINDS)]
    assert names == ["江城市人民政府", "江城大学", "江城市人民政府"]


@pytest.mark.parametrize(("text", "at", "expected"), [
    ("赴西藏日喀则市定日县开展义诊", 1, "西藏日喀则市定日县"),
    ("前往四川阿坝藏族羌族自治州", 2, "四川阿坝藏族羌族自治州"),
    ("驰援西藏日喀则地震灾区", 2, "西藏日喀则"),  # a disaster area is no level of a place
    ("赴社区开展义诊", 1, None),
    ("援中国湖南", 1, "中国湖南"),
])
def test_place_chains(text, at, expected):
    assert entities.place_at(text, at) == expected


def test_place_ending_before_a_word():
    assert entities.place_ending("由广西选派", 3) == "广西"
    assert entities.place_ending("今年四川省派出", 5) == "四川省"

"""monitor.article.clean: boilerplate, ads, whitespace and content-farm detection (seeds
000-003)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.article.clean import clean_article, normalise_line, normalise_text
from monitor.article.item import Article, DateCandidate

ROOT = Path(__file__).resolve().parents[1]
CST = timezone(timedelta(hours=8))
FETCHED = datetime(2025, 12, 19, 8, 47, 51, tzinfo=CST)


def seed(number: str) -> tuple[str, list[str]]:
    """(first line, the other non-empty lines) of a seed page text."""
    path = next((ROOT / "seeds").glob(f"{number}_*.txt"))
    lines = [line for line in path.read_text("utf-8").splitlines() if line.strip()]
    return lines[0], lines[1:]


def article(body: list[str] | str, title: str = "标题", **fields) -> Article:
    text = body if isinstance(body, str) else "\n".join(body)
    fields.setdefault("fetched_at", FETCHED)
    return Article(url="https://example.cn/a.html", source="test", title=title, body=text,
                   extractor="site:test", **fields)


# --- whitespace --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\u3000\u3000双方将在\u00a0过去十年来的友好合作", "双方将在 过去十年来的友好合作"),
        ("揭牌仪式举行  。双方  将", "揭牌仪式举行。双方 将"),
        ("“ 以此次揭牌为全新起点 ”", "“以此次揭牌为全新起点”"),
        ("共建“一带一路”国家, 2025年8月", "共建“一带一路”国家,2025年8月"),
        ("(中国日报四川记者站 赵俊峰 彭超)", "(中国日报四川记者站 赵俊峰 彭超)"),
        ("Notice: The content  above", "Notice: The content above"),
        ("零\u200b宽\ufeff字符", "零宽字符"),
    ],
)
def test_normalise_line(raw, clean):
    assert normalise_line(raw) == clean


def test_normalise_text_keeps_paragraph_order_and_drops_empty_lines():
    assert normalise_text("第一段\n\n \u3000\n第二段\r\n第三段") == "第一段\n第二段\n第三段"


# --- boilerplate ---------------------------------------------------------------------------


def test_netease_seed_000_boilerplate_and_trailer():
    breadcrumb, lines = seed("000")
    cleaned = clean_article(article([breadcrumb, *lines[1:]], title=lines[0]))
    body = cleaned.body
    for gone in ("网易首页", "分享至", "特别声明", "Notice:", "相关推荐", "热点推荐",
                 "你食不食油饼", "无障碍浏览", "往期回顾"):
        assert gone not in body
    assert body.startswith("11月6日,西南医科大学附属医院与维尔茨堡大学阿莎芬堡医院")
    assert body.endswith("(中国日报四川记者站 赵俊峰 彭超)")
    assert not cleaned.low_quality
    assert any(note.startswith("clean: removed trailer block from '相关推荐'")
               for note in cleaned.notes)
    assert any("boilerplate line(s): 网易首页 > 网易号 > 正文 申请入驻 | 0 | 分享至 | 特别声明"
               in note for note in cleaned.notes)


def test_vsb_seed_002_footer_breadcrumb_and_click_counter():
    _, lines = seed("002")
    cleaned = clean_article(article(lines[1:], title=lines[0]))
    assert cleaned.body.startswith("互学互鉴拓思路,交流合作促发展。")
    assert cleaned.body.endswith("助力健康中国建设。")
    for gone in ("您现在的位置", "点击:[]", "上一条", "下一条", "关闭"):
        assert gone not in cleaned.body
    assert "会议现场" in cleaned.body  # bare captions are the site rules' business
    assert not cleaned.low_quality


def test_chinanews_seed_003_captions_and_lists():
    title, lines = seed("003")
    cleaned = clean_article(article(lines, title=title))
    assert cleaned.body.split("\n")[0].startswith("中新网乌鲁木齐5月4日电")
    assert cleaned.body.endswith("第一师医院党委书记管永虎说。(完)")
    for gone in ("第一师医院供图", "相关推荐", "黑龙江饶河", "随机阅读", "热门推荐", "婺州孔子"):
        assert gone not in cleaned.body
    assert not cleaned.low_quality
    assert not any("title fragment" in note for note in cleaned.notes)


def test_a_related_heading_followed_by_article_text_drops_only_the_heading():
    long = "双方将在医院管理、技术交流、人才培养、学科建设等领域开展深入合作，相互支持、协同发展。"
    cleaned = clean_article(article(["第一段正文内容。" + long, "延伸阅读", long, "再次" + long]))
    assert cleaned.body.split("\n") == ["第一段正文内容。" + long, long, "再次" + long]
    assert "clean: removed 1 boilerplate line(s): 延伸阅读" in cleaned.notes


@pytest.mark.parametrize(
    "line",
    ["【编辑:王琴】", "责任编辑：张三", "本文来源：中国日报网", "原标题：某某医院签约", "分享到：",
     "打印本页", "【关闭窗口】", "上一篇：我院举办培训班", "当前位置：首页 > 新闻中心",
     "2024年05月13日 点击:[]", "浏览次数：128", "Tag: 医疗 援疆", "2025-11-11 07:30:03", "举报",
     "发布时间:2025-12-18 19:33:05 作者:玩站小弟 我要评论"],
)
def test_boilerplate_lines(line):
    cleaned = clean_article(article(["正文第一段，内容足够长，说明情况。", line, "正文第二段。"]))
    assert cleaned.body == "正文第一段,内容足够长,说明情况。\n正文第二段。".replace(",", "，")
    assert any(line[:20] in note for note in cleaned.notes)


def test_captions_with_photo_credits_are_dropped_but_not_sentences_about_filming():
    lines = ["5月8日，医院专家在义诊现场为市民提供咨询。 林晓 摄",
             "援疆专家结合具体病例开展现场教学。(资料图) 第一师医院供图",
             "图为西吉县一处扶贫车间内，村民正在加工服装。(资料图)",
             "医院宣传部门组织记者进行拍摄。"]
    cleaned = clean_article(article(lines))
    assert cleaned.body == "医院宣传部门组织记者进行拍摄。"
    assert any(note.startswith("clean: removed 3 image caption(s)") for note in cleaned.notes)


def test_credit_trailer_is_dropped_and_names_the_author_when_none_was_found():
    lines = ["医院将持续开展健康宣教和义诊活动。", "供稿：护理部 何嘉欣 摄影：梁志斌 编辑：陈蕾",
             "审核：郭伟"]
    cleaned = clean_article(article(lines))
    assert cleaned.body == "医院将持续开展健康宣教和义诊活动。"
    assert cleaned.author == "护理部 何嘉欣"
    assert cleaned.field_origins["author"] == "clean:credits"
    kept = clean_article(article(lines, author="李四"))
    assert kept.author == "李四"


def test_repeated_lines_are_collapsed_and_counted():
    cleaned = clean_article(article(["合影留念", "合影留念", "正文。"]))
    assert cleaned.body == "合影留念\n正文。"
    assert "clean: removed 1 repeated line(s)" in cleaned.notes


# --- ads and content farms ----------------------------------------------------------------


@pytest.mark.parametrize(
    "ad",
    ["EXNESS全球官网,快速注册开户,立即参与黄金外汇交易。。", "澳门葡京娱乐城 真人娱乐 注册就送88元",
     "网贷秒批不看征信，当天下款", "加微信：abc123 领取资料"],
)
def test_ad_lines_are_removed_and_mark_the_page(ad):
    cleaned = clean_article(article([ad, "正文第一段。"]))
    assert cleaned.body == "正文第一段。"
    assert cleaned.low_quality
    assert cleaned.quality_reasons == [f"ad line: {ad}"]


def test_news_about_loans_is_not_an_ad():
    text = ("人民银行等部门近日发布通知，要求各地规范网络小额贷款业务，严禁诱导过度借贷，"
            "切实保护金融消费者合法权益，并对违规机构依法采取整改措施。") * 2
    cleaned = clean_article(article([text]))
    assert cleaned.body == text
    assert not cleaned.low_quality


def test_generic_author_alone_is_a_weak_signal():
    cleaned = clean_article(article(["正文第一段。"], author="玩站小弟"))
    assert cleaned.author is None
    assert not cleaned.low_quality
    assert "clean: one weak content-farm signal only: generic author account: 玩站小弟" \
        in cleaned.notes


def test_generic_author_and_publish_time_equal_to_fetch_time_mark_the_page():
    shown = DateCandidate("发布时间:2025-12-19 08:47:51", "site:span.time")
    cleaned = clean_article(article(["正文第一段。"], author="admin", date_candidates=[shown]))
    assert cleaned.low_quality
    assert cleaned.quality_reasons == [
        "generic author account: admin",
        "publish time 2025-12-19 08:47:51 equals the fetch time",
    ]


def test_seed_001_farm_page_is_restored_to_the_original_text():
    title, lines = seed("001")
    shown = DateCandidate("发布时间:2025-12-18 19:33:05", "site:span.time")
    cleaned = clean_article(article(lines, title=title, author="玩站小弟", date_candidates=[shown]))
    expected = json.loads(
        (ROOT / "seeds/site/www.jkzx365.com/yiwokan-2025-1218-58231.html/expected.json")
        .read_text("utf-8")
    )
    assert cleaned.body == normalise_text(expected["body"])
    assert cleaned.low_quality
    reasons = "\n".join(cleaned.quality_reasons)
    assert "ad line: EXNESS全球官网" in reasons
    assert "generic author account: 玩站小弟" in reasons
    assert "all 6 related items are dated 2025-12-18" in reasons
    assert "'地区' (paragraph end)" in reasons and "'帮扶' (photo credit)" in reasons
    removed = [note for note in cleaned.notes if note.startswith("clean: removed title fragment")]
    assert len(removed) == 15
    assert any("国家的[化对]合作" in note for note in removed)
    kept = next(note for note in cleaned.notes if note.startswith("clean: title words kept"))
    assert "'中山五院' (sentence ×8)" in kept


def test_farm_fragments_that_never_repeat_are_removed_when_unused_elsewhere():
    title = "强冷空气来袭 广东多地气温将跌至个位数"
    lines = [
        "EXNESS全球官网,快速注册开户,立即参与黄金外汇交易。。",
        "记者从广东省气象台获悉,多地受强冷空气影响,12月19日起广东自北向南将出现明显降温,"
        "个位数粤北市县最低气温将降至3℃至5℃,部分高寒山区有霜冻或冰冻,来袭珠三角地区最低气温"
        "降至8℃至10℃。气温",
        "省气象台首席预报员表示,此次冷空气过程来势较猛,跌至过程降温幅度达8℃至10℃。",
    ]
    cleaned = clean_article(article(lines, title=title))
    assert cleaned.body == (
        "记者从广东省气象台获悉,受强冷空气影响,12月19日起广东自北向南将出现明显降温,"
        "粤北市县最低气温将降至3℃至5℃,部分高寒山区有霜冻或冰冻,珠三角地区最低气温"
        "降至8℃至10℃。\n省气象台首席预报员表示,此次冷空气过程来势较猛,过程降温幅度达8℃至10℃。"
    )


def test_title_words_after_commas_in_a_real_article_stay():
    title = "中山五院开展“5·12”国际护士节主题义诊活动"
    lines = [
        "当天上午,中山五院护理部在门诊广场开展义诊,来自内科、外科的护理骨干提供咨询。",
        "据统计,中山五院当天共服务市民600余人次,义诊活动受到市民欢迎。",
        "护士节不仅是护理人员的节日,义诊活动更是服务群众的契机。",
    ]
    cleaned = clean_article(article(lines, title=title))
    assert cleaned.body == "\n".join(lines)
    assert not cleaned.low_quality
    assert not cleaned.quality_reasons


def test_empty_body_stays_empty_with_a_note():
    cleaned = clean_article(article(["分享至", "举报"]))
    assert cleaned.body is None
    assert "clean: nothing left of the body" in cleaned.notes


# --- institution pages: trailing link lines, attachments, a notice's signature ------------


@pytest.mark.parametrize("line", [
    "点击阅读原文", "阅读原文>>", "返回", "返回顶部", "打印", "打印本页", "关闭窗口", "【关闭】",
    "【打印本页】 【关闭窗口】", "[ 打印 ] [ 关闭 ]", "返回列表 | 打印 | 关闭", "分享到：",
    "附件：会议纪要.pdf（下载次数：12）", "2.申报表.docx", "（下载次数：3）",
])
def test_trailing_link_lines_and_attachment_entries_are_cut(line):
    cleaned = clean_article(article(["医院召开年度工作会议，部署全年重点工作。", line]))
    assert cleaned.body == "医院召开年度工作会议，部署全年重点工作。"


def test_a_download_counter_is_cut_from_the_line_naming_the_attachment():
    cleaned = clean_article(article(["第一段正文。", "附件：关于开展检查的通知（下载次数：12）"]))
    assert cleaned.body == "第一段正文。\n附件：关于开展检查的通知"


def test_link_words_inside_text_stay():
    lines = ["返回家乡的医疗队员讲述了援外经历。", "打印机和电脑已经配发到各个科室。"]
    assert clean_article(article(lines)).body == "\n".join(lines)


def test_a_long_line_of_link_words_is_read_in_linear_time():
    line = "【打印】 " * 3000 + "正文"
    assert clean_article(article(["第一段正文。", line])).body.endswith("正文")


def test_a_notices_signature_is_kept_above_the_trailing_links():
    lines = ["各单位：", "现将有关事项通知如下，请遵照执行。", "特此通知。", "校长办公室", "人事处",
             "2025年3月7日"]
    cleaned = clean_article(article([*lines, "点击阅读原文", "【打印】【关闭】"]))
    assert cleaned.body == "\n".join(lines)


def test_a_bare_date_that_signs_nothing_is_still_dropped():
    cleaned = clean_article(article(["第一段正文。", "2025年3月7日", "第二段正文。"]))
    assert cleaned.body == "第一段正文。\n第二段正文。"

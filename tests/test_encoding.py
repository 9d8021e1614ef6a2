"""monitor.page.encoding: GBK / GB2312 / GB18030 pages with wrong or missing declarations."""

import codecs
import random

import pytest

from monitor.page.encoding import declared_encodings, decode_html

TEXT = (
    "中新网乌鲁木齐5月4日电 (戚亚平 林国强)各科室诊疗水平逐年提升，实现新生儿科、急诊外科"
    "2个学科从无到有的突破；病理科、泌尿外科、口腔科等8个学科实现从弱到强的蜕变。"
    "“帮带当地医生的目的，就是想尽力把知识和技术全部留在这里。”徐锦芳说。（完）"
)


def page(charset_meta: str | None = None, text: str = TEXT) -> str:
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">'
        if charset_meta
        else ""
    )
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>浙江大学“组团式”医疗援疆见成效</title>"
        f"</head><body><div class='left_zw'><p>{text}</p></div></body></html>"
    )


def test_header_only_gbk():
    text, encoding = decode_html(page().encode("gbk"), "text/html; charset=GBK")
    assert TEXT in text
    assert encoding == "gb18030"


def test_meta_only_gb2312_read_as_gb18030():
    # 镕 is in GBK but not in GB2312: pages declared gb2312 use it anyway
    body = page("gb2312", TEXT + "朱镕基").encode("gb18030")
    text, encoding = decode_html(body, "text/html")
    assert TEXT + "朱镕基" in text
    assert encoding == "gb18030"


def test_meta_after_a_long_head_is_found():
    filler = "<script>var a = 1;</script>" * 300  # ~8 KB before the <meta>
    html = page("gbk").replace("<head>", "<head>" + filler)
    assert ("gb18030", "meta") in declared_encodings(html.encode("gbk"), None)
    assert TEXT in decode_html(html.encode("gbk"))[0]


def test_utf8_bom_wins_over_a_gbk_header_and_is_removed():
    body = codecs.BOM_UTF8 + page().encode("utf-8")
    text, encoding = decode_html(body, "text/html; charset=gbk")
    assert encoding == "utf-8"
    assert text.startswith("<!DOCTYPE")
    assert TEXT in text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_bom(codec):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    text, encoding = decode_html(bom + page().encode(codec), None)
    assert encoding == "utf-16"
    assert text.startswith("<!DOCTYPE")
    assert TEXT in text


def test_utf8_bytes_declared_gb2312():
    body = page("gb2312").encode("utf-8")
    text, encoding = decode_html(body, "text/html; charset=gb2312")
    assert encoding == "utf-8"
    assert TEXT in text


def test_gbk_bytes_declared_utf8_in_header():
    body = page().encode("gbk")
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert encoding == "gb18030"
    assert TEXT in text


def test_gbk_bytes_behind_a_server_default_latin1_header_use_the_meta():
    body = page("gbk").encode("gbk")
    text, encoding = decode_html(body, "text/html;charset=ISO-8859-1")
    assert encoding == "gb18030"
    assert TEXT in text


@pytest.mark.parametrize("codec", ["gbk", "gb18030", "utf-8"])
def test_no_declaration_at_all(codec):
    text, encoding = decode_html(page().encode(codec), None)
    assert TEXT in text
    assert encoding == ("utf-8" if codec == "utf-8" else "gb18030")


def test_latin1_page_without_declaration_is_not_read_as_gbk():
    words = "Le café de l'hôpital: résumé des activités médicales, année scolaire. "
    body = f"<html><body><p>{words * 10}</p></body></html>".encode("latin-1")
    text, _ = decode_html(body, None)
    assert "café de l'hôpital" in text


@pytest.mark.parametrize(("codec", "declared"), [("gbk", "gbk"), ("gbk", None), ("utf-8", None)])
def test_truncated_multibyte_sequence_at_the_end(codec, declared):
    body = ("<html><body><p>" + TEXT).encode(codec)[:-1]  # cut inside the last "）"
    content_type = f"text/html; charset={declared}" if declared else None
    text, encoding = decode_html(body, content_type)
    assert text.endswith(TEXT[:-1])
    assert "\ufffd" not in text
    assert encoding == ("utf-8" if codec == "utf-8" else "gb18030")


def test_a_corrupt_byte_inside_keeps_the_declared_encoding():
    body = bytearray(page("gbk").encode("gbk"))
    middle = body.index("诊疗".encode("gbk"))
    body[middle : middle + 2] = b"\xff\xff"  # not GBK: 诊 becomes two bad bytes
    text, encoding = decode_html(bytes(body), None)
    assert encoding == "gb18030"
    assert "水平逐年提升" in text


def test_empty_body():
    assert decode_html(b"", "text/html; charset=gbk") == ("", "utf-8")


def test_unknown_declaration_is_ignored():
    body = page("x-no-such-charset").encode("gbk")
    text, encoding = decode_html(body, "text/html; charset=bogus")
    assert encoding == "gb18030"
    assert TEXT in text


def test_random_bytes_never_raise():
    noise = random.Random(7).randbytes(5000)
    text, encoding = decode_html(noise, "text/html; charset=gbk")
    assert isinstance(text, str)
    assert codecs.lookup(encoding)

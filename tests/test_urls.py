import pytest

from monitor.page.urls import url_key

SAME = [
    ("https://www.163.com/dy/article/KDJ3BQ9B0534A4SC.html",
     "https://m.163.com/dy/article/KDJ3BQ9B0534A4SC.html?spss=adap_pc#comments"),
    ("https://www.163.com/news/article/KDJ3BQ9B0534A4SC.html",
     "https://dy.163.com/v2/article/detail/KDJ3BQ9B0534A4SC.html"),
    ("https://www.chinanews.com.cn/gn/2025/05-04/10410087.shtml",
     "http://www.chinanews.com/gn/2025/05-04/10410087.shtml?utm_source=wx"),
    ("https://www.dmu.edu.cn/tzgg/", "http://www.dmu.edu.cn/tzgg/index.html"),
    ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2&from=timeline"),
]
DIFFERENT = [
    ("https://www.163.com/dy/article/KDJ3BQ9B0534A4SC.html",
     "https://www.163.com/dy/article/KDJ3BQ9B0534A4SD.html"),
    ("https://www.chinanews.com.cn/gn/2025/05-04/1.shtml",
     "https://www.chinanews.com.cn/gn/2025/05-04/2.shtml"),
    ("https://example.org/show?id=1", "https://example.org/show?id=2"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_forms_of_one_page_share_a_key(a, b):
    assert url_key(a) == url_key(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_pages_have_different_keys(a, b):
    assert url_key(a) != url_key(b)


"""Which Chinese CMS a site runs, from the marks its pages carry (for ``monitor add``'s
report: the kind of site the monitor is looking at, and whose known layouts apply).

Pure: a page's HTML text and URL in, ``(name, evidence)`` out. Rules as data: each CMS with
the patterns its templates leave in every page (generator tags, resource paths, scripts,
comments, URL forms).
"""

from __future__ import annotations

import re

CMS_MARKS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE)) for name, pattern in (
        ("博达 VSB", r"_sitegray|/system/resource/(?:js|code)|#begineditable|vsbscreen"),
        ("WebPlus", r"webplus|wp_articlecontent|/_upload/article/|/_js/_portletPlugs/"
                    r"|/c\d+a\d+/page\.htm"),
        ("TRS WCM", r"createPageHTML|trs_editor|TRS_UEDITOR|trsapp"),
        ("大汉 Hanweb", r"hanweb|/jcms/|<datastore>|jpage\.js"),
        ("DedeCMS", r"dedecms|/plus/(?:count|ad_js|search|view)\.php|/templets/"),
        ("PHPCMS", r"phpcms|index\.php\?m=content&(?:amp;)?c=index"),
        ("帝国 EmpireCMS", r"empirecms|/e/(?:action|public|extend|data)/"),
        ("WordPress", r"wp-content/|wp-includes/|/wp-json/"),
        ("Discuz!", r"discuz"),
        ("PbootCMS", r"pbootcms"),
        ("Drupal", r"drupal"),
        ("JEECMS", r"jeecms|\.jhtml\b"),
    )
)
_GENERATOR = re.compile(r"<meta[^>]+name=[\"']generator[\"'][^>]*content=[\"']([^\"']+)",
                        re.IGNORECASE)


def guess_cms(text: str, url: str = "") -> tuple[str, str] | None:
    """The CMS whose marks ``text`` (a page's HTML) or ``url`` carries, with the mark
    found; None when none is known."""
    generator = _GENERATOR.search(text[:20000])
    head = f"{generator[1]} " if generator else ""
    for name, pattern in CMS_MARKS:
        found = pattern.search(head) or pattern.search(url) or pattern.search(text)
        if found:
            return name, found[0]
    if generator:
        return generator[1].strip(), "meta generator"
    return None

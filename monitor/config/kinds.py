"""The words a sources file shares with the rest of the monitor: the kinds of source it may
name, the selectors it may give, the relations a watch may name. The families' registry
(``monitor.extraction.registry``) maps each kind to its families, the partner pairs use the
relations; the sources file's check, the command line's choices and ``monitor check`` read
them here."""

# kind -> what it is for
KINDS = {
    "netease": "NetEase (163.com, 网易号 pages)",
    "chinanews": "China News (chinanews.com.cn)",
    "institution": "an institution's own site (a hospital, university, health commission "
                   "or institute): the 博达 VSB / WebPlus presets, else the generic rules",
    "university": "the older name of institution",
    "generic": "any other news site (the generic rules)",
}
# kinds read by their own site rules (a generic fallback there deserves a warning)
SITE_RULE_KINDS = ("netease", "chinanews", "institution", "university")

# a source's selectors: the article's parts (CSS) ...
ARTICLE_SELECTORS = ("title", "date", "body", "outlet", "author", "noise")
# ... and its list pages' (the article links, the next list page)
LIST_SELECTORS = ("list_links", "next_page")
SELECTORS = ARTICLE_SELECTORS + LIST_SELECTORS

# the relations of partner pairs (monitor.judgement.partners), which a [[watch]] may name:
# domestic aid, aid abroad, agreement, alliance, sister hospitals, co-built
RELATIONS = ("对口支援", "援外", "合作协议", "医联体", "姊妹医院", "共建")

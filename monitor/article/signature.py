"""A notice's signature: the issuing office and the date at the end of a 通知 / 公告.

Official notices (通知, 公告, 通报, 决定) end with the issuer's name on one or more lines and
the date under it::

    医院办公室
    2025年3月7日

Those lines are short and end no sentence, like the page furniture the body rules cut at
the end (share bars, editor lines, bare dates), but they are part of the text: the
extraction's tail trimming and the cleaning's bare-date rule keep them. A signature is
one to ``MAX_ISSUERS`` issuer lines (at most ``MAX_ISSUER_CHARS`` characters, no sentence
punctuation, ending with an organisation word: 办公室, 委员会, 医院, 大学, 局, 处…) followed by
a date line (``2025年3月7日``, ``2025-03-07``, ``二〇二五年三月七日``), at the very end.
"""

from __future__ import annotations

import re

MAX_ISSUERS = 3  # a joint notice names a few issuers, one per line
MAX_ISSUER_CHARS = 30
ISSUER = re.compile(
    r"[^，。；！？,;!?：:]{1,30}?(?:办公室|委员会|领导小组|工作组|小组|指挥部|党委|党总支|政府|中心|学校"
    r"|大学|学院|医院|公司|集团|协会|学会|联合会|研究会|基金会|工会|团委|支部|总支|[局厅院处部委会组室科所站队馆社办])"
    r"\s*(?:[（(]\s*(?:盖章|章|印)\s*[)）])?"
)
SIGNATURE_DATE = re.compile(
    r"(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|(?:19|20)\d{2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}"
    r"|[〇○零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*[一二三四五六七八九十]{1,3}\s*日)"
)


def signature_start(lines: list[str]) -> int | None:
    """Index of the first line of the signature ending ``lines``, else None."""
    if len(lines) < 2 or not SIGNATURE_DATE.fullmatch(lines[-1].strip()):
        return None
    start = len(lines) - 1
    while (start > 0 and len(lines) - 1 - start < MAX_ISSUERS
           and len(lines[start - 1].strip()) <= MAX_ISSUER_CHARS
           and ISSUER.fullmatch(lines[start - 1].strip())):
        start -= 1
    return start if start < len(lines) - 1 else None

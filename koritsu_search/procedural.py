"""Procedural lines of meeting minutes: thanks, hand-overs, self-introductions, closings.

A chair's 「ありがとうございます。続きまして、法務省からお願いいたします。」 names a ministry and
a meeting but says nothing about it; such turns are demoted in ranking unless the question asks
about the proceedings, and such sentences are never chosen as a quote when another one holds
the question's words. The patterns are the conventions of Japanese minutes in general (checked
on a 議事要旨 and a verbatim 議事録 of different bodies), not of one file.
"""

from __future__ import annotations

import re
import unicodedata

from .segment import get_segmenter

MAX_PROCEDURAL_CHARS = 60  # a longer sentence says something, whatever words it starts with

_PATTERNS = [
    r"(どうも|本当に|まことに|誠に)?(ありがとうございま(す|した)|ありがとう存じます)",
    r"(よろしく)?お願い(いた|致)?し?ます",
    r"(それでは|では|続きまして|次に|最後に|引き続き)",
    r"(ほかに|ほかは|他に|他は|何か).*(ございますか|ございますでしょうか|ありますか|いかがでしょう|よろしいでしょうか)",
    r"よろしい(でしょうか|ですか)",
    r"^[^、。]{1,25}(でございます|と申します)。?$",  # 法務省でございます / 厚生労働省の○○と申します
    r"(以上をもちまして|以上です|以上でございます|閉会|開会|終了(いた|致)します|御退室|ご退室|退室|入室)",
    r"(御|ご)(挨拶|説明|報告)(を)?(いた|致|させていただ|申し上げ)",
    r"(説明|報告)(いた|致|させていただ|申し上げ)",
    r"申し訳(ありません|ございません)",
]
_PROCEDURAL = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
# Opening and closing a meeting: procedural whatever the meeting's name holds.
_OPEN_CLOSE = re.compile(r"^(以上をもちまして|これをもちまして|ただいまより|ただ今から|只今から).*(終了|閉会|開会|開催)(いた|致)?し?ます")
# "Here I report on two measures": announces what follows without saying it.
_ANNOUNCE = re.compile(r"^.{0,25}(について|につきまして)、?(御|ご)?(報告|説明|紹介)(を)?(いた|致|させていただ|申し上げ|し)")
_STAGE = re.compile(r"^[（(][^）)]*[）)]$")  # （プレス退室）, （首肯する委員あり）
_CONTENT = re.compile(r"[0-9０-９]|億|万|件|人|％|%|推進|支援|対策|施策|調査|計画|事業|取組|取り組")
# What a question asks when it wants the proceedings themselves.
_ASKS_PROCEEDINGS = re.compile(r"進行|司会|議事|開会|閉会|挨拶|あいさつ|順番|発言順|proceedings|chair")

def is_procedural_sentence(sentence: str) -> bool:
    """True for a short sentence that only thanks, hands over, introduces or closes."""
    s = unicodedata.normalize("NFKC", sentence).strip()
    if not s:
        return True
    if _STAGE.match(s) or _OPEN_CLOSE.match(s) or (len(s) <= 40 and _ANNOUNCE.match(s)):
        return True
    if len(s) > MAX_PROCEDURAL_CHARS:
        return False
    if not _PROCEDURAL.search(s):
        return False
    # 「60億円の支援を報告いたします」 carries content though it ends like a hand-over.
    rest = _PROCEDURAL.sub("", s)
    return not _CONTENT.search(rest) or len(rest) < 8


def is_procedural(text: str) -> bool:
    """True when every sentence of a passage or turn is procedural."""
    sentences = [text[s:e] for s, e in get_segmenter().sentences(text)]
    return bool(sentences) and all(is_procedural_sentence(s) for s in sentences)


MAX_TITLE_CHARS = 40


def is_title_only(text: str) -> bool:
    """True for a heading, a measure's bare name or a date line: short, and no sentence in it (no 。).
    It names a topic without saying anything about it, so it is weak evidence for an answer."""
    s = unicodedata.normalize("NFKC", text).strip()
    return len(s) <= MAX_TITLE_CHARS and "。" not in s


def asks_proceedings(question: str) -> bool:
    """True when the question is about how the meeting was run (then procedural lines are answers)."""
    return bool(_ASKS_PROCEEDINGS.search(question.lower()))

"""Reading a query: ministries and meeting cues it names, and the glossary translation of English words."""

from __future__ import annotations

from pathlib import Path

from koritsu_search.intent import read_intent
from koritsu_search.translate import default_glossary, translate

from helpers import CORPUS


def test_intent_finds_ministries_in_japanese_short_and_english_forms() -> None:
    assert read_intent("環境省の孤独・孤立対策").ministries == ["環境省"]
    assert read_intent("厚労省 ひきこもり").ministries == ["厚生労働省"]
    assert read_intent("What did the Ministry of Foreign Affairs say?").ministries == ["外務省"]
    assert set(read_intent("MHLW and MEXT programs for children").ministries) == {"厚生労働省", "文部科学省"}
    assert read_intent("子ども家庭庁の施策").ministries == ["こども家庭庁"]
    assert read_intent("認知症カフェ").ministries == []


def test_intent_meeting_cues() -> None:
    assert read_intent("重点計画の見直しについて室長はどう説明したか").wants_speech
    assert read_intent("What did the minister say at the meeting?").wants_speech
    assert not read_intent("フードドライブ").wants_speech
    assert not read_intent("food banks for families").wants_speech


def test_translation_folds_plurals_and_prefers_longest_phrase() -> None:
    tr = translate("Which measures target foreign residents?")
    assert "在留外国人" in tr.terms
    assert tr.coverage > 0.5
    tr = translate("dementia cafes")  # the two-word phrase wins over "dementia" alone
    assert tuple(tr.terms) == default_glossary().get(("dementia", "cafe")) and "認知症カフェ" in tr.terms
    assert "認知症" in translate("dementia care").terms
    assert translate("孤独・孤立").terms == []
    assert translate("the of and").coverage == 0.0


def test_every_glossary_term_occurs_in_the_corpus() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in Path(CORPUS).glob("*.txt"))
    text = "".join(text.split())
    missing = {t for terms in default_glossary().entries.values() for t in terms if t not in text}
    assert not missing, sorted(missing)[:20]

"""The text of an HTML file: its BOM or declared charset, else a guess among the Japanese encodings."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_XML_CHARSET = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)", re.IGNORECASE)
XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_CODEC_ALIASES = {"shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
                  "windows-31j": "cp932", "ms932": "cp932", "euc-jp": "euc_jp", "x-euc-jp": "euc_jp"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))



def _codec(name: bytes) -> str | None:
    label = name.decode("ascii", "replace").strip().lower()
    try:
        return codecs.lookup(_CODEC_ALIASES.get(label, label)).name
    except LookupError:
        return None


def _japanese_score(text: str) -> int:
    """Hiragana read as such, less half-width katakana: what EUC-JP read as Shift_JIS is full of."""
    hira = sum(1 for ch in text if "\u3041" <= ch <= "\u309f")
    half = sum(1 for ch in text if "\uff61" <= ch <= "\uff9f")
    return hira - 2 * half - 50 * text.count("\ufffd")


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding, warnings): a BOM, else the declared charset, else UTF-8, Shift_JIS or EUC-JP."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, "replace"), enc, []
    declared = _XML_CHARSET.search(data[:8192]) or _META_CHARSET.search(data[:8192])
    named = _codec(declared.group(1)) if declared else None
    warnings = [f"the page is not in the {named} it declares; its encoding was guessed"] if named else []
    for enc, said in ((named or "", []), ("utf-8", warnings)):
        if enc:
            try:
                return data.decode(enc), enc, said
            except UnicodeDecodeError:
                pass
    guess = max(("cp932", "euc_jp"), key=lambda e: _japanese_score(data.decode(e, "replace")))
    return data.decode(guess, "replace"), guess, warnings

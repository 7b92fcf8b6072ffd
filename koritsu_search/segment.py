"""SudachiPy segmentation: BM25 lexical terms, query-term highlight spans and sentence spans."""

from __future__ import annotations

import functools
import importlib.metadata
import re
import threading
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from koritsu_search.errors import KoritsuError

CACHED_TEXTS = 8192  # analysed passages kept for highlighting (~7 KB each for a typical passage: tens of MB)
MAX_CACHED_CHARS = 4000  # longer texts are analysed each time

__all__ = ["Token", "Segmenter", "get_segmenter"]

# Sudachi rejects inputs over 49149 UTF-8 bytes; 4000 chars is <= 16000 bytes even at 4 bytes/char.
_MAX_CHUNK_CHARS = 4000
_MODES = ("A", "B", "C")
_DROP_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})
# Bound forms (ご, 化, づくり) are marked only joined to a marked word; function words never.
_BOUND_POS = frozenset({"接頭辞", "接尾辞"})
_UNMARKED_POS = frozenset({"連体詞", "代名詞", "接続詞", "感動詞"})
# What a line may start with when it continues the line before (a PDF line break, not a sentence end).
_CONTINUING_POS = frozenset({"助詞", "助動詞", "接尾辞"})
_KANA_RE = re.compile("[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f]+")
# Compared against the NFKC-folded normalized form AND dictionary form of each unit.
_STOP_WORDS = frozenset(
    """こと 事 もの 物 ため 為 よう 様 する 為る ある 有る 在る 或る いる 居る おる なる 成る
    れる られる せる させる できる 出来る ところ 所 とき 時 など 等 及び 並びに 又 又は 若しくは
    この 此の その 其の あの 彼の これ 此れ それ 其れ""".split()
)
# Control / format characters (and lone surrogates) become spaces: same length, so offsets hold.
_CONTROL_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0001-\U000e007f]"
)
_ASCII_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.'&+][A-Za-z0-9]+)*")
_SENT_END = frozenset("。！？!?")
# Where sentences end (it decides which passages are procedural, so the index contract records it).
SENTENCE_RULES = "2: a line break continues a sentence inside an open bracket or before a particle/suffix"
_CLOSERS = frozenset("」』）)】〕〉》\"'”’")
_OPEN_CLOSE = {"「": "」", "『": "』", "（": "）", "(": ")"}
_CLOSE_OPEN = {v: k for k, v in _OPEN_CLOSE.items()}


@dataclass(frozen=True)
class Token:
    """One morpheme; ``start``/``end`` are character offsets into the original text."""

    surface: str
    normalized: str
    pos: tuple[str, ...]
    start: int
    end: int


def _clean(text: str) -> str:
    """Replace control/format characters with spaces (length preserving)."""
    return _CONTROL_RE.sub(" ", text)


def _chunks(text: str, limit: int = _MAX_CHUNK_CHARS) -> Iterator[tuple[int, int]]:
    """Contiguous (start, end) chunks of <= ``limit`` chars, cut at natural boundaries."""
    pos, n = 0, len(text)
    while n - pos > limit:
        hi = pos + limit
        floor = pos + limit // 2
        cut = text.rfind("\n", floor, hi) + 1
        if cut <= 0:
            cut = max(text.rfind(c, floor, hi) for c in "。！？!?\t 　、") + 1
        if cut <= 0:
            cut = hi
        yield pos, cut
        pos = cut
    if pos < n:
        yield pos, n


def _fold(s: str) -> str:
    return unicodedata.normalize("NFKC", s).lower().strip()


class Segmenter:
    """Thread-safe wrapper over a Sudachi dictionary (one tokenizer per thread and mode)."""

    def __init__(self, dict_name: str = "core") -> None:
        self.dict_name = dict_name
        try:
            version = importlib.metadata.version(f"sudachidict-{dict_name}")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        self.dictionary: str = f"sudachidict_{dict_name} {version}"
        self._lock = threading.Lock()
        self._dict: Any = None
        self._local = threading.local()
        self._term_cache: dict[tuple[int, str], str | None] = {}
        # Answers quote the same passages question after question: their analysis does not depend on the question.
        self._marks_of = functools.lru_cache(maxsize=CACHED_TEXTS)(lambda text: tuple(self._marks(text)))
        self._sentences_of = functools.lru_cache(maxsize=CACHED_TEXTS)(self._sentences)

    # -- Sudachi plumbing -------------------------------------------------
    def _tokenizer(self, mode: str) -> Any:
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        cache: dict[str, Any] | None = getattr(self._local, "tokenizers", None)
        if cache is None:
            cache = self._local.tokenizers = {}
        tok = cache.get(mode)
        if tok is None:
            from sudachipy import Dictionary, SplitMode

            with self._lock:
                if self._dict is None:
                    try:
                        self._dict = Dictionary(dict=self.dict_name)
                    except Exception as exc:  # missing package / broken dictionary
                        raise KoritsuError(
                            f"cannot load Sudachi dictionary {self.dict_name!r}: {exc}"
                        ) from exc
                tok = self._dict.tokenizer(mode=getattr(SplitMode, mode))
            cache[mode] = tok
        return tok

    def _morphemes(self, text: str, mode: str = "C") -> Iterator[tuple[Any, int]]:
        """Yield (morpheme, chunk offset) over the cleaned, chunked text."""
        clean = _clean(text)
        tok = self._tokenizer(mode)
        for start, end in _chunks(clean):
            yield from self._tokenize_chunk(tok, clean, start, end)

    def _tokenize_chunk(
        self, tok: Any, clean: str, start: int, end: int
    ) -> Iterator[tuple[Any, int]]:
        from sudachipy.errors import SudachiError

        try:
            ms = tok.tokenize(clean[start:end])
        except SudachiError:
            if end - start < 2:
                raise
            mid = (start + end) // 2  # still too long in bytes: halve and retry
            yield from self._tokenize_chunk(tok, clean, start, mid)
            yield from self._tokenize_chunk(tok, clean, mid, end)
            return
        for m in ms:
            yield m, start

    def _term(self, m: Any) -> str | None:
        """Lexical term of one morpheme (cached per word id + surface), or None if dropped."""
        key = (m.word_id(), m.surface())
        try:
            return self._term_cache[key]
        except KeyError:
            pass
        if len(self._term_cache) > 500_000:
            self._term_cache.clear()
        term = self._term_cache[key] = self._compute_term(m)
        return term

    @staticmethod
    def _compute_term(m: Any) -> str | None:
        if m.part_of_speech()[0] in _DROP_POS:
            return None
        surface = unicodedata.normalize("NFKC", m.surface())
        if _ASCII_WORD_RE.fullmatch(surface):
            term = surface.lower()  # keep English as written (Sudachi may katakana-ize it)
        else:
            term = _fold(m.normalized_form())
        if not term or term in _STOP_WORDS or _fold(m.dictionary_form()) in _STOP_WORDS:
            return None
        return term

    def _term_morphemes(self, text: str) -> Iterator[tuple[str, Any, int]]:
        """(term, morpheme, chunk offset): C-unit terms, each followed by its A-unit terms when the C unit splits."""
        from sudachipy import SplitMode

        for m, off in self._morphemes(text, "C"):
            term = self._term(m)
            if term is not None:
                yield term, m, off
            elif m.part_of_speech()[0] in _DROP_POS:
                continue
            subs = m.split(SplitMode.A)
            if len(subs) > 1:
                for a in subs:
                    sub = self._term(a)
                    if sub is not None:
                        yield sub, a, off

    def _terms_with_spans(self, text: str) -> Iterator[tuple[str, int, int]]:
        for term, m, off in self._term_morphemes(text):
            yield term, off + m.begin(), off + m.end()

    @staticmethod
    def _mark_kind(m: Any, prev: Any) -> str | None:
        """How a C unit may be marked: as a "word" (content), "bound" (a prefix or suffix: ご, 化, づくり,
        さ, marked only joined to a word), or not at all (None): a function word (_UNMARKED_POS), a lone
        kana, the auxiliary use of a verb (〜てきた's き, 〜ていく, ください, ない: Sudachi's 非自立可能
        in kana or after て/で)."""
        pos, surface = m.part_of_speech(), m.surface()
        if pos[0] in _BOUND_POS:
            return "bound"
        if pos[0] in _UNMARKED_POS or (len(surface) == 1 and _KANA_RE.fullmatch(surface)):
            return None
        if pos[1] == "非自立可能":
            after_te = prev is not None and prev.part_of_speech()[1] == "接続助詞"
            return None if after_te or _KANA_RE.fullmatch(surface) else "word"
        return "word"

    def _marks(self, text: str, parts: bool = True) -> Iterator[tuple[str, int, int, bool]]:
        """(term, start, end, bound) of what may be marked: C units (_mark_kind), and with parts the
        nouns of two characters or more inside a word (推進 of 推進法; not 行く of 行き届く, nor 人 of 外国人)."""
        from sudachipy import SplitMode

        prev = None
        for m, off in self._morphemes(text, "C"):
            term = self._term(m)
            kind = self._mark_kind(m, prev)
            prev = m
            if term is None or kind is None:
                continue
            yield term, off + m.begin(), off + m.end(), kind == "bound"
            subs = m.split(SplitMode.A) if parts and kind == "word" else []
            for a in subs if len(subs) > 1 else ():
                sub = self._term(a)
                if sub is not None and a.part_of_speech()[0] == "名詞" and len(a.surface()) > 1:
                    yield sub, off + a.begin(), off + a.end(), False

    # -- public API -------------------------------------------------------
    def tokens(self, text: str, mode: str = "C") -> list[Token]:
        """All morphemes (incl. whitespace/symbols) with offsets into ``text``."""
        out: list[Token] = []
        for m, off in self._morphemes(text, mode):
            s, e = off + m.begin(), off + m.end()
            out.append(Token(text[s:e], m.normalized_form(), tuple(m.part_of_speech()), s, e))
        return out

    def lexical_terms(self, text: str) -> list[str]:
        """Normalized, folded content-word terms for BM25 (C units plus A sub-units)."""
        return [t for t, _, _ in self._terms_with_spans(text)]

    def mark_terms(self, text: str) -> list[str]:
        """The terms of a question's words that highlight_spans may mark: its content words and their
        prefixes and suffixes (no particle, auxiliary or lone kana), whole. Not their parts: 外国人
        marks 外国人 (alone or in 在留外国人), never the 外国 of 外国語; 行き届く never 行く."""
        return [t for t, _, _, _ in self._marks(text, parts=False)]

    def synonym_groups(self, text: str) -> list[tuple[str, tuple[int, ...]]]:
        """Each lexical term of the text (as lexical_terms gives them) with the synonym group ids
        Sudachi's dictionary gives its morpheme (自殺 and 自死 share one)."""
        return [(term, tuple(m.synonym_group_ids())) for term, m, _ in self._term_morphemes(text)]

    def sentences(self, text: str) -> list[tuple[int, int]]:
        """Stripped sentence spans: split at 。！？!? outside 「」『』（）, and at newlines/tabs (cached per text;
        do not modify the list returned)."""
        return self._sentences_of(text) if len(text) <= MAX_CACHED_CHARS else self._sentences(text)

    def _sentences(self, text: str) -> list[tuple[int, int]]:
        """Stripped sentence spans: split at 。！？!? outside 「」『』（）, and at tabs and at newlines
        but those inside a sentence (_line_continues)."""
        spans: list[tuple[int, int]] = []
        stack: list[str] = []
        n, start, i = len(text), 0, 0

        def emit(s: int, e: int) -> None:
            while s < e and (text[s].isspace() or _CONTROL_RE.match(text, s)):
                s += 1
            while e > s and (text[e - 1].isspace() or _CONTROL_RE.match(text, e - 1)):
                e -= 1
            if s < e:
                spans.append((s, e))

        while i < n:
            c = text[i]
            if c in "\n\r\t\u2028\u2029":
                line = self._line_continues(text, start, i, stack) if c in "\r\n" else None
                if line is not None:
                    i = line
                    continue
                emit(start, i)
                start, stack = i + 1, []
            elif c in _OPEN_CLOSE:
                stack.append(_OPEN_CLOSE[c])
            elif c in _CLOSE_OPEN:
                if c in stack:  # pop up to the matching opener; stray closers are ignored
                    while stack and stack.pop() != c:
                        pass
            elif c in _SENT_END and not stack:
                nxt = text[i + 1] if i + 1 < n else " "
                if c in "!?" and not nxt.isspace() and nxt not in _SENT_END:
                    i += 1  # ASCII !/? inside a token (URL query etc.), not a sentence end
                    continue
                j = i + 1
                while j < n and (text[j] in _SENT_END or text[j] in _CLOSERS):
                    j += 1
                emit(start, j)
                start, i = j, j
                continue
            i += 1
        emit(start, n)
        return spans

    def _line_continues(self, text: str, start: int, i: int, stack: list[str]) -> int | None:
        """Where the next line starts when the line break at i falls inside a sentence (a PDF's line
        layout): the next line closes a bracket still open, or the line before ends no sentence and
        the next begins with a particle, an auxiliary or a suffix (「…対応）\nでも相談可能な…」) or
        inside a word. None when the break ends the sentence."""
        j = i + 2 if text.startswith("\r\n", i) else i + 1
        line_end = min((k for k in (text.find("\n", j), text.find("\r", j)) if k >= 0), default=len(text))
        head = text[j:line_end]
        if not head.strip():
            return None
        if stack and stack[-1] in head:
            return j
        tail = text[start:i].rstrip()[-8:]
        if not tail or tail[-1] in _SENT_END:
            return None
        joined = tail + head.lstrip()[:8]
        first = next((t for t in self.tokens(joined) if t.end > len(tail)), None)
        return j if first is not None and (first.start < len(tail) or first.pos[0] in _CONTINUING_POS) else None

    def highlight_spans(self, query: str, text: str, terms: Collection[str] | None = None) -> list[tuple[int, int]]:
        """Merged, sorted spans of ``text`` over whole words whose term matches a query term.

        A span covers whole words (see _marks): a content C unit or a noun inside one, and a
        matching prefix or suffix only joined to such a word (居場所づくり, not a lone づくり); never a
        lone kana, a particle, an auxiliary or a piece of a word. ``terms`` (normalized lexical
        terms) replaces the query's own mark_terms when given.
        """
        wanted = set(terms) if terms is not None else set(self.mark_terms(query))
        if not wanted:
            return []
        spans = self._marks_of(text) if len(text) <= MAX_CACHED_CHARS else self._marks(text)
        merged: list[list[int]] = []  # [start, end, holds a word]
        for s, e, bound in sorted((s, e, bound) for t, s, e, bound in spans if t in wanted):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
                merged[-1][2] |= not bound
            else:
                merged.append([s, e, not bound])
        return [(s, e) for s, e, word in merged if word]


_INSTANCE: Segmenter | None = None
_INSTANCE_LOCK = threading.Lock()


def get_segmenter() -> Segmenter:
    """Process-wide shared Segmenter (created once, thread-safe)."""
    global _INSTANCE
    if _INSTANCE is None:
        with _INSTANCE_LOCK:
            if _INSTANCE is None:
                _INSTANCE = Segmenter()
    return _INSTANCE

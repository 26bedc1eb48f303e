"""What the model files could still give the library's embeddings: ONNX Runtime's transformer fusions and int8.

The library's `MiniLM` already pads each batch only to its longest text (texts sorted by token count), runs one
session over every core with graph optimisation level ALL, and truncates at 256 tokens, Chroma's own limit. What
is left is the arithmetic of the model itself. This bench builds, from the shipped fp32 `model.onnx`, in a scratch
directory:

- `fused`: `onnxruntime.transformers.optimizer` (BERT attention, SkipLayerNorm, BiasGelu fused), still fp32;
- `int8`: dynamic int8 quantisation of the fused model, one scale per tensor;
- `int8-pc`: the same with one scale per output channel;

then embeds the same texts with each (through `MiniLM`, so batching is the library's) and with Chroma's
`ONNXMiniLM_L6_V2`, alternating, best of `--rounds`, and prints chunks/s, the ratio to Chroma and the cosine of each
vector to Chroma's. Two sets: short texts (1-2 sentences of the demo corpus) and long ones (9-12 sentences, near
or past the 256-token cap, like the 1,200-character chunks of a real build).

Retrieval quality of a variant: `SALIENT_LIBRARY_MODEL_DIR=<scratch>/int8-pc uv run python bench/library_eval.py`
(the directories are kept with `--keep DIR`).

Quantisation and the fusions need `onnx` and `sympy`, which the library does not depend on; for this bench only:

    .venv/bin/uv pip install onnx sympy      # `make sync` removes them again
    uv run --no-sync python bench/embedding_int8.py [--texts 96] [--rounds 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2
from common import print_table
from library_ingest import corpus_sentences, model_dir
from salient_library.embeddings import MiniLM


def build_variants(source: Path, scratch: Path) -> dict[str, Path]:
    """Model directories: the shipped one, and each variant beside copies of its tokenizer files."""
    # Imported here: both need `onnx` (see the module docstring), which the project does not install.
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    dirs = {"fp32": source}
    for name in ("fused", "int8", "int8-pc"):
        target = scratch / name
        target.mkdir(parents=True, exist_ok=True)
        for f in source.iterdir():
            if f.name != "model.onnx":
                shutil.copy(f, target / f.name)
        dirs[name] = target
    fused = dirs["fused"] / "model.onnx"
    optimize_model(
        str(source / "model.onnx"), model_type="bert", num_heads=12, hidden_size=384, opt_level=0
    ).save_model_to_file(str(fused))
    # The fused operators are of ONNX Runtime's own domain; their outputs are float tensors.
    float_outputs = {"DefaultTensorType": 1}
    for name, per_channel in (("int8", False), ("int8-pc", True)):
        quantize_dynamic(
            str(fused),
            str(dirs[name] / "model.onnx"),
            weight_type=QuantType.QInt8,
            per_channel=per_channel,
            extra_options=float_outputs,
        )
    return dirs


def compare(dirs: dict[str, Path], texts: list[str], rounds: int) -> list[list[object]]:
    models = {name: MiniLM(where) for name, where in dirs.items()}
    chroma = ONNXMiniLM_L6_V2()
    chroma.DOWNLOAD_PATH = model_dir().parent
    chroma(texts[:4])
    for model in models.values():
        model.embed(texts[:4])  # load each session outside the timing
    best = {name: float("inf") for name in ["chroma", *models]}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(rounds):  # alternate, keep each one's best round
        start = time.perf_counter()
        vectors["chroma"] = np.array(chroma(texts))
        best["chroma"] = min(best["chroma"], time.perf_counter() - start)
        for name, model in models.items():
            start = time.perf_counter()
            vectors[name] = model.embed(texts)
            best[name] = min(best[name], time.perf_counter() - start)
    reference = vectors["chroma"] / np.linalg.norm(vectors["chroma"], axis=1, keepdims=True)
    rows: list[list[object]] = []
    for name, seconds in best.items():
        cosine = np.sum(vectors[name] * reference, axis=1)
        label = "Chroma ONNXMiniLM_L6_V2" if name == "chroma" else f"library MiniLM, {name}"
        rows.append(
            [label, len(texts) / seconds, best["chroma"] / seconds, f"{cosine.min():.4f}", f"{cosine.mean():.4f}"]
        )
    return rows


def main(n_texts: int, rounds: int, keep: Path | None) -> None:
    rng = random.Random(1)
    sentences = corpus_sentences()
    with tempfile.TemporaryDirectory(prefix="salient-bench-int8-") as tmp:
        dirs = build_variants(model_dir(), keep or Path(tmp))
        tokenizer = MiniLM(model_dir())
        for label, low, high, count in (("short", 1, 2, n_texts * 2), ("long", 9, 12, n_texts)):
            texts = [" ".join(rng.sample(sentences, rng.randint(low, high))) for _ in range(count)]
            tokens = np.mean([len(e.ids) for e in tokenizer._load()[1].encode_batch(texts)])  # pyright: ignore[reportPrivateUsage]
            print_table(
                f"{count} {label} texts, {tokens:.0f} tokens each on average (best of {rounds} alternating rounds)",
                ["function", "texts/s", "ratio to Chroma", "min cosine to Chroma", "mean cosine"],
                compare(dirs, texts, rounds),
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--texts", type=int, default=96, help="Long texts (twice as many short ones).")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="Keep the variants' model directories here.")
    args = parser.parse_args()
    main(args.texts, args.rounds, args.keep)

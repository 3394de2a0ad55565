import json
import os
import shutil
import subprocess

import numpy as np
import pytest
import torch

from training.text.encoder import TextEncoder
from training.text.tokenizer import load_vocab, tokenize, tokenize_batch, tokenize_full, uncond_caption

from .conftest import REPO_ROOT

torch.set_num_threads(1)

NODE = shutil.which("node")


def _vocab_file(tmp_path) -> str:
    assert NODE, "node not found on PATH"
    path = str(tmp_path / "vocab.json")
    r = subprocess.run([NODE, "bin/kineo.mjs", "world", "vocab", "-o", path], cwd=REPO_ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return path


CAPTIONS = [
    "a cat moving left", "A Cat Moving Left!", "two dogs bounce on the beach", "three balls roll slowly",
    "", "   ", "!!!", "a red ball, then a blue ball.", "the cat's toy", "x-ray of a dog",
    "a cat\tjumps\nover  the dog", "CAT\u00a0DOG", "cat\ufeffdog", "cat\u2028dog", "cat\u001cdog",
    "caf\u00e9 au lait", "na\u00efve birds", "\u0130stanbul cats", "\u212aitten", "emoji \U0001f431 cat",
    "a cat -- fast", "- - -", "cat-dog", "100 cats 2 dogs", "a_b c", "under_score", "tab\x0bvert",
    "form\x0cfeed", "\u3000ideographic space", "\u2003em space", "a ball melts in the forest",
    "a bird flies up quickly", "the camera pans left while a car drives right",
    "an apple and a banana", "balloons float away", "bears walk around slowly",
    " ".join(["cat"] * 40), " ".join(f"w{i}" for i in range(35)), "a " * 31 + "zebra zebra",
    "UPPER lower MiXeD", "numbers 123 456", "quote \"cat\" 'dog'", "semi;colon:colon", "slash/back\\slash",
    "paren (cat) [dog] {ball}", "dollar $5 cat", "a cat\r\nand a dog", "\u00ff\u0100\u017f cat", "\u00df strasse",
    "the beetle becomes bigger", "unknownword another unknownword",
]


def test_tokenizer_matches_typescript(tmp_path):
    vocab_path = _vocab_file(tmp_path)
    vocab = load_vocab(vocab_path)
    cap_path = tmp_path / "captions.json"
    cap_path.write_text(json.dumps(CAPTIONS), encoding="utf-8")
    script = (
        "import('./src/engine/tokenizer.ts').then((m) => {"
        " const fs = require('node:fs');"
        f" const v = JSON.parse(fs.readFileSync({json.dumps(vocab_path)}, 'utf8'));"
        f" const caps = JSON.parse(fs.readFileSync({json.dumps(str(cap_path))}, 'utf8'));"
        " fs.writeFileSync(process.argv[1] || '/dev/stdout', JSON.stringify(caps.map((c) => m.tokenize(c, v))));"
        "})"
    )
    out = tmp_path / "ts.json"
    r = subprocess.run([NODE, "--import", "tsx", "-e", script, str(out)], cwd=REPO_ROOT, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    ts = json.loads(out.read_text(encoding="utf-8"))
    assert len(ts) == len(CAPTIONS)
    n_unknown = 0
    for cap, t in zip(CAPTIONS, ts):
        py = tokenize_full(cap, vocab)
        assert py == t, f"caption {cap!r}: python {py} != typescript {t}"
        ids, mask, unk = tokenize(cap, vocab)
        assert (ids, mask, unk) == (t["ids"], t["mask"], t["unknownWords"])
        n_unknown += bool(unk)
    assert n_unknown > 3  # the set does exercise unknown words
    assert any(sum(t["mask"]) == vocab.max_tokens for t in ts)  # and truncation


def test_tokenize_batch_uses_uncond_for_empty(tmp_path):
    vocab = load_vocab(_vocab_file(tmp_path))
    ids, mask, unknown = tokenize_batch(["a cat", "", "zzz"], vocab)
    assert ids.shape == (3, vocab.max_tokens)
    u_ids, u_mask = uncond_caption(vocab.max_tokens)
    assert ids[1].tolist() == u_ids and mask[1].tolist() == u_mask
    assert unknown == {"zzz": 1}


def test_encoder_shape_and_padding_invariance():
    torch.manual_seed(0)
    m = TextEncoder(50, dim=32, layers=2, heads=4, max_tokens=8).eval()
    ids = torch.randint(2, 50, (2, 8))
    mask = torch.tensor([[1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1]])
    with torch.no_grad():
        h, m_out = m(ids, mask)
        ids2 = ids.clone()
        ids2[0, 3:] = torch.randint(2, 50, (5,))
        h2, _ = m(ids2, mask)
        # fully masked row: finite
        h3, _ = m(ids, torch.zeros_like(mask))
    assert h.shape == (2, 8, 32) and m_out is mask
    assert torch.equal(h[0, :3], h2[0, :3])
    assert torch.isfinite(h3).all()


def run_onnx(tmp_path, model_path, inputs: dict, tag: str) -> dict:
    """Run ``model_path`` through scripts/onnx-run.mjs (multi-input form) with numpy ``inputs``."""
    assert NODE, "node not found on PATH: ONNX parity needs Node 20 + onnxruntime-node"
    assert os.path.isdir(os.path.join(REPO_ROOT, "node_modules", "onnxruntime-node")), "run `npm install`"
    spec = {}
    for name, arr in inputs.items():
        arr = np.ascontiguousarray(arr)
        dtype = "int64" if arr.dtype == np.int64 else "float32"
        fn = f"{tag}-{name}.bin"
        arr.astype("<i8" if dtype == "int64" else "<f4").tofile(str(tmp_path / fn))
        spec[name] = {"dims": list(arr.shape), "dtype": dtype, "file": fn}
    inp, outp = tmp_path / f"{tag}-in.json", tmp_path / f"{tag}-out.json"
    inp.write_text(json.dumps({"inputs": spec, "threads": 1}))
    r = subprocess.run([NODE, os.path.join("scripts", "onnx-run.mjs"), str(model_path), str(inp), str(outp)],
                       cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"onnx-run.mjs failed:\n{r.stdout}\n{r.stderr}"
    got = json.loads(outp.read_text())
    return {k: np.asarray(v["data"], dtype=np.float32).reshape(v["dims"]) for k, v in got.items()}


def test_text_encoder_onnx_parity(tmp_path):
    from training.dit.export import export_text_encoder

    torch.manual_seed(0)
    m = TextEncoder(60, dim=32, layers=2, heads=4, max_tokens=8).eval()
    path = tmp_path / "text_encoder.onnx"
    export_text_encoder(m, str(path))
    ids = torch.randint(0, 60, (2, 8))
    mask = torch.tensor([[1, 1, 1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0]])
    with torch.no_grad():
        ref = m(ids, mask)[0].numpy()
    got = run_onnx(tmp_path, path, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()}, "te")
    assert set(got) == {"text_states"}
    assert got["text_states"].shape == ref.shape
    err = float(np.abs(got["text_states"] - ref).max())
    assert err < 1e-4, err


def test_gelu_tanh_fused_kernel_is_the_written_formula():
    from training.text.layers import gelu_tanh

    x = torch.linspace(-8, 8, 2001, dtype=torch.float64).requires_grad_(True)
    formula = 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    (g_formula,) = torch.autograd.grad(formula.sum(), x)
    y = gelu_tanh(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert float((y - formula).abs().max()) < 1e-9 and float((g - g_formula).abs().max()) < 1e-9
    assert float((y - torch.nn.functional.gelu(x)).abs().max()) > 1e-5  # the tanh form, not the erf one

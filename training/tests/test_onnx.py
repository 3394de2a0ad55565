import json
import os
import shutil
import subprocess

import numpy as np
import torch

from training.judge.export import export_onnx
from training.judge.model import Judge

from .conftest import REPO_ROOT


def test_onnx_parity(tmp_path, vocab_sizes):
    node = shutil.which("node")
    assert node, "node not found on PATH: ONNX parity test needs Node 20 + onnxruntime-node"
    ort_dir = os.path.join(REPO_ROOT, "node_modules", "onnxruntime-node")
    assert os.path.isdir(ort_dir), f"{ort_dir} missing: run `npm install` in {REPO_ROOT}"
    torch.manual_seed(0)
    m = Judge(vocab_sizes).eval()
    # make BN statistics non-trivial so the parity check covers them
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm3d):
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 1.5)
    path = str(tmp_path / "judge.onnx")
    names = export_onnx(m, path)
    assert os.path.getsize(path) < 8 * 1024 * 1024
    x = torch.rand(3, 16, 64, 64, 3, generator=torch.Generator().manual_seed(1))  # batch 3 != export batch 2
    with torch.no_grad():
        ref = m(x)
    x.numpy().astype("<f4").tofile(str(tmp_path / "clip.bin"))
    inp = tmp_path / "in.json"
    inp.write_text(json.dumps({"name": "clip", "dims": list(x.shape), "file": "clip.bin"}))
    outp = tmp_path / "out.json"
    r = subprocess.run([node, "scripts/onnx-run.mjs", path, str(inp), str(outp)], cwd=REPO_ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"onnx-run.mjs failed:\n{r.stdout}\n{r.stderr}"
    got = json.loads(outp.read_text())
    assert set(got) == set(names) == set(ref)
    for n in names:
        a = np.asarray(got[n]["data"], dtype=np.float32).reshape(got[n]["dims"])
        b = ref[n].numpy()
        assert a.shape == b.shape, n
        err = float(np.abs(a - b).max())
        assert err < 1e-4, f"{n}: max abs err {err}"


def test_onnx_run_json_input(tmp_path, vocab_sizes):
    """The plain JSON-data input form works too (small batch)."""
    node = shutil.which("node")
    assert node, "node not found on PATH"
    torch.manual_seed(0)
    m = Judge(vocab_sizes).eval()
    path = str(tmp_path / "judge.onnx")
    export_onnx(m, path)
    x = torch.rand(1, 16, 64, 64, 3)
    inp = tmp_path / "in.json"
    inp.write_text(json.dumps({"name": "clip", "dims": [1, 16, 64, 64, 3], "data": x.flatten().tolist()}))
    outp = tmp_path / "out.json"
    r = subprocess.run([node, "scripts/onnx-run.mjs", path, str(inp), str(outp)], cwd=REPO_ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    got = json.loads(outp.read_text())
    with torch.no_grad():
        ref = m(x)
    assert np.abs(np.asarray(got["frame_features"]["data"]) - ref["frame_features"].numpy().ravel()).max() < 1e-4

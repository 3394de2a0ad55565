"""training/export_model.py: the whole model directory from trainer checkpoints (or packed weights), ONNX parity with
PyTorch in fp32 and with float16-stored weights, the manifest the engine reads, and the model card rule."""
import json
import os

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from training import export_model as ex
from training.common.export import sha256_file
from training.make_tiny_model import tiny_checkpoints

ONNX_FILES = ("text_encoder.onnx", "transformer.onnx", "vae_decoder.onnx", "vae_encoder.onnx")

# fp16 weights vs fp32, measured on the tiny model with random (not fp16-exact) weights: text encoder 2.1e-3,
# transformer 5e-5, VAE decoder 2.6e-4 (max abs over one check input). The bound leaves ~2.5x headroom.
FP16_BOUND = 5e-3


def _unrounded_checkpoints():
    """Tiny checkpoints whose weights are NOT float16-exact (make_tiny_model rounds them), so fp16 storage loses."""
    vae_ck, dit_ck = tiny_checkpoints()
    g = torch.Generator().manual_seed(5)
    for sd in (vae_ck["model"], dit_ck["model"]):
        for k, v in sd.items():
            if v.is_floating_point() and v.ndim > 0:
                sd[k] = v + torch.rand(v.shape, generator=g) * 1e-4
    vae_ck["ema"] = vae_ck["model"]
    dit_ck["ema"] = {"decay": 0.999, "updates": 1, "shadow": {k: v.float() for k, v in dit_ck["model"].items()}}
    return vae_ck, dit_ck


@pytest.fixture(scope="module")
def ckpt_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckpts")
    vae_ck, dit_ck = _unrounded_checkpoints()
    dirs = {}
    for kind, ck in (("vae", vae_ck), ("dit", dit_ck)):
        d = root / kind
        d.mkdir()
        torch.save(ck, d / "ckpt.pt")
        dirs[kind] = str(d)
    return dirs


def _models(dirs):
    return ex.build_models(*ex.load_checkpoints(dirs["vae"], dirs["dit"]))


def test_fp32_export_writes_the_contract_and_matches_pytorch(ckpt_dirs, tmp_path):
    out = tmp_path / "model"
    meta = ex.main(["--vae", ckpt_dirs["vae"], "--dit", ckpt_dirs["dit"], "--out", str(out), "--fp32", "--no-check",
                    "--preview-clips", "8"])
    for f in ONNX_FILES + ("vocab.json", "model.json", "README.md"):
        assert (out / f).exists(), f
    on_disk = json.loads((out / "model.json").read_text())
    assert on_disk == json.loads(json.dumps(meta))
    assert set(on_disk["files"]) == set(ONNX_FILES) | {"vocab.json"}
    for f, e in on_disk["files"].items():
        assert e == {"sha256": sha256_file(str(out / f)), "bytes": os.path.getsize(out / f)}
    assert on_disk["format"] == "kineo-t2v/1" and on_disk["precision"] == "fp32" and on_disk["opset"] == 17
    assert on_disk["video"] == {"frames": 16, "fps": 8, "height": 64, "width": 64}
    assert on_disk["latent"]["channels"] == 4 and on_disk["latent"]["shape"] == [4, 8, 8]
    assert len(on_disk["latent"]["norm"]["mean"]) == 4 and len(on_disk["latent"]["norm"]["std"]) == 4
    assert on_disk["text"]["uncond"]["mask"] == [1] + [0] * 31 and on_disk["text"]["uncond"]["ids"] == [0] * 32
    assert on_disk["sampler"] == {"kind": "rectified-flow", "scheduler": "euler", "steps": 20, "shift": 1.0,
                                  "guidance": 4.0}
    assert np.asarray(on_disk["preview"]["rgb_factors"]).shape == (4, 3) and len(on_disk["preview"]["rgb_bias"]) == 3
    assert on_disk["onnx"]["transformer"]["inputs"] == ["latents", "timestep", "text_states", "text_mask"]
    assert on_disk["onnx"]["vae_encoder"] == {"file": "vae_encoder.onnx", "inputs": ["frames"], "outputs": ["latents"]}
    assert on_disk["conditioning"] == {"timestep": "per-frame", "vae": {"timeFactor": 4, "spatialFactor": 8}}
    assert on_disk["training"]["vae"]["steps"] == 10 and "secret_path" not in on_disk["training"]["vae"]["args"]
    assert on_disk["training"]["dit"]["val_loss"] == 1.5
    assert json.loads((out / "vocab.json").read_text())["tokens"][:2] == ["<pad>", "<unk>"]

    vae, kineo = _models(ckpt_dirs)
    inputs = ex.check_inputs(vae, kineo, seed=11)
    ref = ex.torch_outputs(vae, kineo, inputs)
    for key, io in ex.ONNX_IO.items():
        got = ex.run_onnx(str(out / io["file"]), inputs[key])[io["outputs"][0]]
        assert got.shape == ref[key].shape, key
        assert float(np.abs(got - ref[key]).max()) < 1e-3, key
    frames = ref["vae_decoder"]  # 6 latent frames: the VAE graphs take any length (a long clip decodes in one pass)
    assert frames.shape == (1, 24, 64, 64, 3) and frames.min() >= 0 and frames.max() <= 1
    assert ref["vae_encoder"].shape == (1, 4, 2, 8, 8)
    assert inputs["transformer"]["timestep"].shape == (2, 4) and inputs["transformer"]["timestep"][0, 0] == 0


def test_fp16_weights_halve_the_files_and_stay_close(ckpt_dirs, tmp_path):
    out32, out16 = tmp_path / "m32", tmp_path / "m16"
    ex.main(["--vae", ckpt_dirs["vae"], "--dit", ckpt_dirs["dit"], "--out", str(out32), "--fp32", "--no-check",
             "--preview-clips", "8"])
    out16.mkdir()
    (out16 / "README.md").write_text("my model card\n")
    meta = ex.main(["--vae", ckpt_dirs["vae"], "--dit", ckpt_dirs["dit"], "--out", str(out16), "--preview-clips", "8"])
    assert (out16 / "README.md").read_text() == "my model card\n"  # never overwritten
    assert meta["precision"] == "fp16-weights"
    for key, c in meta["checks"].items():
        assert c["onnx_vs_torch"] < 1e-4, key
        assert 0 < c["fp16_vs_fp32"] < FP16_BOUND, (key, c)
    for f in ONNX_FILES:
        m = onnx.load(str(out16 / f))
        big32 = [i.name for i in m.graph.initializer
                 if i.data_type == TensorProto.FLOAT and int(np.prod(i.dims)) >= ex.FP16_MIN_ELEMENTS]
        assert big32 == [], (f, big32)
        halves = [i for i in m.graph.initializer if i.data_type == TensorProto.FLOAT16]
        assert halves and all(n.op_type == "Cast" for n in m.graph.node[:len(halves)])
        io = [(v.name, v.type.tensor_type.elem_type) for v in list(m.graph.input) + list(m.graph.output)]
        assert all(t in (TensorProto.FLOAT, TensorProto.INT64) for _, t in io), io
    # the tiny model has many tensors under 1024 values (kept fp32); the real one halves almost exactly
    size = lambda d: sum(os.path.getsize(d / f) for f in ONNX_FILES)  # noqa: E731
    assert size(out16) < 0.7 * size(out32)


def test_store_weights_fp16_keeps_small_and_out_of_range_tensors(tmp_path):
    big = np.linspace(-1, 1, 2048, dtype=np.float32).reshape(32, 64)
    huge = np.full((32, 64), 1e6, dtype=np.float32)
    small = np.ones((4, 64), dtype=np.float32)
    inits = [numpy_helper.from_array(a, n) for a, n in ((big, "big"), (huge, "huge"), (small, "small"))]
    nodes = [helper.make_node("MatMul", ["x", "big"], ["y"]), helper.make_node("Add", ["y", "y"], ["z"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 32])],
                              [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 64])], inits)
    path = str(tmp_path / "g.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    assert ex.store_weights_fp16(path) == {"converted": 1, "kept_fp32": 1}
    m = onnx.load(path)
    types = {i.name: i.data_type for i in m.graph.initializer}
    assert types == {"big__fp16": TensorProto.FLOAT16, "huge": TensorProto.FLOAT, "small": TensorProto.FLOAT}
    assert m.graph.node[0].op_type == "Cast" and list(m.graph.node[0].output) == ["big"]
    x = np.random.default_rng(0).standard_normal((1, 32)).astype(np.float32)
    got = ex.run_onnx(path, {"x": x})["z"]
    assert np.abs(got - 2 * x @ big).max() < 1e-2


def test_export_from_packed_weights(ckpt_dirs, tmp_path):
    from training.weights import pack, write

    path = str(tmp_path / "w.npz")
    write(pack(ckpt_dirs["vae"], ckpt_dirs["dit"]), path)
    out = tmp_path / "model"
    meta = ex.main(["--weights", path, "--out", str(out), "--no-check", "--preview-clips", "8", "--steps", "12"])
    assert meta["sampler"]["steps"] == 12
    assert all((out / f).exists() for f in ONNX_FILES)
    with pytest.raises(SystemExit):
        ex.parse_args(["--weights", path, "--vae", ckpt_dirs["vae"], "--out", str(out)])


def test_dit_training_args_name_the_flags_and_not_a_resumed_runs_default_shape():
    from training.common.export import training_summary
    from training.export_model import dit_arg_keys

    args = {"lr": 2e-4, "depth": 8, "dim": 256, "object_weight": 10.0, "balance_motion": 0.5, "pooled_text": False,
            "amp": "on", "secret_path": "/x"}
    ck = {"step": 5, "samples_seen": 160, "elapsed": 9.0, "args": {**args, "resume": True}}
    got = training_summary(ck, dit_arg_keys(ck))["args"]
    # a resumed run's pooled_text flag is not its model's (the checkpoint decides): model.json's config says it
    assert got == {"lr": 2e-4, "object_weight": 10.0, "balance_motion": 0.5, "amp": "on", "resume": True}
    fresh = {**ck, "args": {**args, "resume": False}}
    got = training_summary(fresh, dit_arg_keys(fresh))["args"]
    assert got["depth"] == 8 and got["pooled_text"] is False

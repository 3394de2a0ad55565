"""Export the whole kineo-mini model directory (DESIGN.md §3) that the TypeScript engine runs.

    /usr/bin/python3 -m training.export_model (--vae VAE_CKPT_DIR --dit DIT_CKPT_DIR | --weights FILE.npz) \
        --out models/kineo-mini [--fp32] [--steps 20 --guidance 4 --shift 1] [--no-check]

Writes into ``--out``:

* ``text_encoder.onnx`` (``input_ids``, ``attention_mask`` int64 [B, L] -> ``text_states`` [B, L, D]),
  ``transformer.onnx`` (``latents`` [B, C, T', H', W'], ``timestep`` [B, T'] = sigma per latent frame, 0 for a frame
  given as a condition, ``text_states``, ``text_mask`` -> ``velocity``), ``vae_decoder.onnx`` (``latents``
  [B, C, T', H', W'] in the VAE's normalised space -> ``frames`` [B, T, H, W, 3] in [0, 1]) and ``vae_encoder.onnx``
  (the reverse: ``frames`` [B, T, H, W, 3] -> the latent means); opset 17, dynamic batch, the VAE's time and space
  axes dynamic too (a long clip decodes in one causal pass), inputs / outputs float32 (int64 ids / masks);
* ``vocab.json``, ``model.json`` (the contract the engine reads, see ``manifest``), and a ``README.md`` model-card
  skeleton when the directory has none (an existing model card is never overwritten).

Precision: by default every float32 initializer with >= 1024 elements is stored as float16 inside the ONNX file,
with a ``Cast(to=FLOAT)`` between it and its consumers; the graph computes in float32 (onnxruntime folds the casts
when it creates the session), and the files are half the size. ``--fp32`` keeps float32 weights. Unless
``--no-check``, every file is run through onnxruntime (python ``onnxruntime`` when installed, else Node's
``scripts/onnx-run.mjs``) and compared with PyTorch; the fp16-vs-fp32 max abs error is printed and recorded.

``preview.rgb_factors`` / ``rgb_bias``: a least-squares linear map from one VAE latent vector (C values, VAE
normalised space) to the mean RGB in [0, 1] of the pixel block it decodes to, fitted on decodes of random latents,
so the engine can draw a rough preview of every step without the decoder.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

from .common.export import file_entry, load_ckpt, onnx_export, read_metrics, training_summary
from .common.run import write_json_atomic

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPSET = 17
FP16_MIN_ELEMENTS = 1024
FP16_MAX = 65504.0
BUDGET_MIB = 48
VIDEO_FPS = 8
ONNX_IO = {
    "text_encoder": {"file": "text_encoder.onnx", "inputs": ["input_ids", "attention_mask"], "outputs": ["text_states"]},
    "transformer": {"file": "transformer.onnx", "inputs": ["latents", "timestep", "text_states", "text_mask"],
                    "outputs": ["velocity"]},
    "vae_decoder": {"file": "vae_decoder.onnx", "inputs": ["latents"], "outputs": ["frames"]},
    "vae_encoder": {"file": "vae_encoder.onnx", "inputs": ["frames"], "outputs": ["latents"]},
}
# the VAE graphs take any number of frames and any size (multiples of the VAE's factors)
LATENT_AXES = {2: "latent_frames", 3: "latent_height", 4: "latent_width"}
FRAME_AXES = {1: "frames", 2: "height", 3: "width"}
VAE_ARG_KEYS = ("data", "minutes", "batch", "lr", "latent_channels", "spatial_factor", "time_factor", "base", "beta",
                "edge", "threads", "device")
DIT_ARG_KEYS = ("latents", "vocab", "minutes", "batch", "lr", "wd", "ema", "dim", "depth", "heads", "patch", "text_dim",
                "text_layers", "text_heads", "p_uncond", "latent_norm", "object_weight", "motion_weight", "balance_motion",
                "text_aux", "text_lr_mult", "embed_lr_mult", "pooled_text", "amp", "resume", "threads", "device")
# a resumed run's model shape comes from its checkpoint (model.json ``config``); its flags for the shape are only
# argparse defaults, and would contradict the config (a checkpoint with the pooled-text path keeps it without the flag)
DIT_SHAPE_ARG_KEYS = ("dim", "depth", "heads", "patch", "text_dim", "text_layers", "text_heads", "pooled_text")


def dit_arg_keys(dit_ck: dict) -> tuple:
    """The DiT flags model.json records: all that shape training, less the shape flags of a resumed run."""
    if (dit_ck.get("args") or {}).get("resume"):
        return tuple(k for k in DIT_ARG_KEYS if k not in DIT_SHAPE_ARG_KEYS)
    return DIT_ARG_KEYS


# ------------------------------------------------------------------------------------------------ checkpoints
def load_checkpoints(vae_dir: Optional[str] = None, dit_dir: Optional[str] = None,
                     weights: Optional[str] = None) -> Tuple[dict, dict]:
    """(vae_ck, dit_ck) from two trainer checkpoint dirs or from one packed weights file."""
    if weights:
        from .weights import checkpoints, read
        cks = checkpoints(read(weights))
        return cks["vae"], cks["dit"]
    if not (vae_dir and dit_dir):
        raise SystemExit("give --vae VAE_CKPT_DIR and --dit DIT_CKPT_DIR, or --weights FILE.npz")
    vae_ck, dit_ck = load_ckpt(vae_dir), load_ckpt(dit_dir)
    for ck, d in ((vae_ck, vae_dir), (dit_ck, dit_dir)):
        if ck.get("metrics") is None:
            ck["metrics"] = read_metrics(d)
    return vae_ck, dit_ck


def build_models(vae_ck: dict, dit_ck: dict):
    """(EMA CausalVAE, EMA KineoMini), both in eval mode, checked to agree on the latent shape."""
    from .dit.train import build_model_from_ckpt as build_kineo
    from .vae.train import build_model_from_ckpt as build_vae

    vae = build_vae(vae_ck, ema=True).eval()
    kineo = build_kineo(dit_ck, use_ema=True).eval()
    vae_lat = tuple(vae.latent_shape())
    dit_lat = (kineo.dit.latent_channels, *kineo.dit.latent_shape)
    if vae_lat != dit_lat:
        raise SystemExit(f"the VAE makes latents {vae_lat} but the DiT was trained on {dit_lat}: not one model")
    return vae, kineo


# ------------------------------------------------------------------------------------------------ ONNX
class _Decoder(torch.nn.Module):
    """VAE-normalised latents (B, C, T', H', W') -> frames (B, T, H, W, 3) in [0, 1]."""

    def __init__(self, vae):
        super().__init__()
        from .vae.model import DecoderOnly
        self.m = DecoderOnly(vae)

    def forward(self, latents):
        return self.m(latents)


def export_vae_decoder(vae, path: str, hd=None) -> None:
    """``hd``: a 2x decoder (training.vae.hd) exported in the VAE decoder's place, same input and output names."""
    lat = torch.randn(1, *vae.latent_shape(), generator=torch.Generator().manual_seed(0))
    onnx_export((hd if hd is not None else _Decoder(vae)).eval(), (lat,), path, ["latents"], ["frames"], OPSET, check_required=False,
                dynamic={"latents": LATENT_AXES, "frames": FRAME_AXES})


class _Encoder(torch.nn.Module):
    """frames (B, T, H, W, 3) in [0, 1] -> VAE-normalised latent means (B, C, T', H', W')."""

    def __init__(self, vae):
        super().__init__()
        from .vae.model import EncoderOnly
        self.m = EncoderOnly(vae)

    def forward(self, frames):
        return self.m(frames)


def export_vae_encoder(vae, path: str) -> None:
    clip = torch.rand(1, vae.frames, vae.height, vae.width, 3, generator=torch.Generator().manual_seed(0))
    onnx_export(_Encoder(vae).eval(), (clip,), path, ["frames"], ["latents"], OPSET, check_required=False,
                dynamic={"frames": FRAME_AXES, "latents": LATENT_AXES})


def store_weights_fp16(path: str, min_elements: int = FP16_MIN_ELEMENTS) -> Dict[str, int]:
    """Rewrite ``path``: float32 initializers with >= ``min_elements`` values become float16 initializers
    followed by ``Cast(to=FLOAT)`` nodes that produce the original names (so every consumer is unchanged).
    Tensors with values beyond float16's range stay float32. Returns counts of converted / kept tensors."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(path)
    g = model.graph
    inits, casts = [], []
    converted = kept = 0
    for init in g.initializer:
        n = int(np.prod(init.dims)) if len(init.dims) else 1
        if init.data_type == TensorProto.FLOAT and n >= min_elements:
            arr = numpy_helper.to_array(init)
            if np.isfinite(arr).all() and float(np.abs(arr).max(initial=0.0)) < FP16_MAX:
                half = numpy_helper.from_array(arr.astype(np.float16), f"{init.name}__fp16")
                inits.append(half)
                casts.append(helper.make_node("Cast", [half.name], [init.name], name=f"{init.name}__cast",
                                              to=TensorProto.FLOAT))
                converted += 1
                continue
            kept += 1
        inits.append(init)
    cast_outputs = {c.output[0] for c in casts}
    graph_inputs = [i for i in g.input if i.name not in cast_outputs]  # IR < 4 lists initializers as inputs too
    del g.input[:]
    g.input.extend(graph_inputs)
    del g.initializer[:]
    g.initializer.extend(inits)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return {"converted": converted, "kept_fp32": kept}


def onnx_runner() -> str:
    """``"onnxruntime"`` (python) or ``"node"`` (scripts/onnx-run.mjs); SystemExit when neither is there."""
    try:
        import onnxruntime  # noqa: F401
        return "onnxruntime"
    except ImportError:
        pass
    node = shutil.which("node")
    if node and os.path.isdir(os.path.join(REPO_ROOT, "node_modules", "onnxruntime-node")):
        return "node"
    raise SystemExit("cannot run ONNX here: install python3 onnxruntime, or Node 20 + `npm install` "
                     "(onnxruntime-node); or skip the check with --no-check")


def run_onnx(path: str, inputs: Dict[str, np.ndarray], threads: int = 1) -> Dict[str, np.ndarray]:
    """Run an ONNX file on numpy inputs (float32 / int64) with onnxruntime (python, or Node when missing)."""
    if onnx_runner() == "onnxruntime":
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        outs = sess.run(None, inputs)
        return {o.name: np.asarray(v) for o, v in zip(sess.get_outputs(), outs)}
    with tempfile.TemporaryDirectory(prefix="kineo-onnx-") as tmp:
        spec = {}
        for name, arr in inputs.items():
            arr = np.ascontiguousarray(arr)
            dtype = "int64" if arr.dtype == np.int64 else "float32"
            fn = f"{name}.bin"
            arr.astype("<i8" if dtype == "int64" else "<f4").tofile(os.path.join(tmp, fn))
            spec[name] = {"dims": list(arr.shape), "dtype": dtype, "file": fn}
        inp, outp = os.path.join(tmp, "in.json"), os.path.join(tmp, "out.json")
        with open(inp, "w") as f:
            json.dump({"inputs": spec, "threads": threads}, f)
        r = subprocess.run([shutil.which("node"), os.path.join(REPO_ROOT, "scripts", "onnx-run.mjs"),
                            os.path.abspath(path), inp, outp], cwd=REPO_ROOT, capture_output=True, text=True,
                           timeout=600)
        if r.returncode != 0:
            raise RuntimeError(f"onnx-run.mjs failed on {path}:\n{r.stdout}\n{r.stderr}")
        with open(outp) as f:
            got = json.load(f)
    return {k: np.asarray(v["data"], dtype=np.float32).reshape(v["dims"]) for k, v in got.items()}


def check_inputs(vae, kineo, seed: int = 7) -> Dict[str, Dict[str, np.ndarray]]:
    """Random inputs for the four graphs: a batch-2 text / CFG call (one clip with its first latent frame given), and
    a batch-1 decode and encode at other lengths than the DiT's window (the VAE graphs' time axis is dynamic)."""
    g = torch.Generator().manual_seed(seed)
    L, C, T = kineo.text.max_tokens, kineo.dit.latent_channels, kineo.dit.latent_shape[0]
    ids = torch.randint(0, kineo.text.vocab_size, (2, L), generator=g)
    mask = torch.zeros(2, L, dtype=torch.long)
    mask[0, : max(1, L // 3)] = 1
    mask[1, 0] = 1
    ids[1] = 0
    ids = ids * mask
    states = kineo.text(ids, mask)[0].detach()
    return {
        "text_encoder": {"input_ids": ids.numpy(), "attention_mask": mask.numpy()},
        "transformer": {"latents": torch.randn(2, C, *kineo.dit.latent_shape, generator=g).numpy(),
                        "timestep": torch.tensor([[0.0] + [0.7] * (T - 1), [0.7] * T]).numpy(),
                        "text_states": states.numpy(), "text_mask": mask.numpy()},
        "vae_decoder": {"latents": torch.randn(1, C, T + 2, *vae.latent_shape()[2:], generator=g).numpy()},
        "vae_encoder": {"frames": torch.rand(1, vae.time_factor * 2, vae.height, vae.width, 3, generator=g).numpy()},
    }


@torch.no_grad()
def torch_outputs(vae, kineo, inputs: Dict[str, Dict[str, np.ndarray]], hd=None) -> Dict[str, np.ndarray]:
    t = {k: {n: torch.from_numpy(v) for n, v in d.items()} for k, d in inputs.items()}
    te = t["text_encoder"]
    tr = t["transformer"]
    return {
        "text_encoder": kineo.text(te["input_ids"], te["attention_mask"])[0].numpy(),
        "transformer": kineo.dit(tr["latents"], tr["timestep"], tr["text_states"], tr["text_mask"]).numpy(),
        "vae_decoder": (hd(t["vae_decoder"]["latents"]) if hd is not None else vae.decode(t["vae_decoder"]["latents"])).numpy(),
        "vae_encoder": vae.encode(t["vae_encoder"]["frames"]).numpy(),
    }


# ------------------------------------------------------------------------------------------------ preview
@torch.no_grad()
def fit_preview(vae, norm: dict, clips: int = 32, seed: int = 0) -> dict:
    """Least-squares ``rgb ≈ latent · rgb_factors + rgb_bias`` over every latent position of ``clips`` decodes of
    random latents (drawn as the DiT's ``z ~ N(0, I)`` mapped through its latent norm), RGB in [0, 1]."""
    c, tl, hl, wl = vae.latent_shape()
    tf, sf = vae.time_factor, vae.spatial_factor
    g = torch.Generator().manual_seed(seed)
    mean = torch.tensor(norm["mean"], dtype=torch.float32).view(1, -1, 1, 1, 1)
    std = torch.tensor(norm["std"], dtype=torch.float32).view(1, -1, 1, 1, 1)
    xs, ys = [], []
    for s in range(0, clips, 8):
        b = min(8, clips - s)
        lat = torch.randn(b, c, tl, hl, wl, generator=g) * std + mean
        frames = vae.decode(lat)  # (b, T, H, W, 3)
        blocks = frames.reshape(b, tl, tf, hl, sf, wl, sf, 3).mean(dim=(2, 4, 6))  # (b, T', H', W', 3)
        xs.append(lat.permute(0, 2, 3, 4, 1).reshape(-1, c))
        ys.append(blocks.reshape(-1, 3))
    x = torch.cat(xs).double().numpy()
    y = torch.cat(ys).double().numpy()
    a = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    sol, *_ = np.linalg.lstsq(a, y, rcond=None)
    pred = a @ sol
    ss_res = float(((y - pred) ** 2).sum())
    ss_tot = float(((y - y.mean(axis=0)) ** 2).sum())
    return {"rgb_factors": [[round(float(v), 6) for v in row] for row in sol[:c]],
            "rgb_bias": [round(float(v), 6) for v in sol[c]],
            "r2": round(1.0 - ss_res / max(ss_tot, 1e-12), 4)}


# ------------------------------------------------------------------------------------------------ manifest
def count_params(m: torch.nn.Module) -> int:
    return int(sum(p.numel() for p in m.parameters()))


def manifest(vae, kineo, vae_ck: dict, dit_ck: dict, out: str, preview: dict, precision: str, *, name: str,
             version: str, steps: int, guidance: float, shift: float, checks: Optional[dict],
             aspects: Optional[Dict[str, Tuple[int, int]]] = None, context_noise: float = 0.0) -> dict:
    cfg = kineo.config()
    L = cfg["max_tokens"]
    norm = dit_ck["latent_norm"]
    vcfg = vae.config()
    dec_params = count_params(vae.dec_in) + count_params(vae.dec) + count_params(vae.dec_norm) + count_params(vae.dec_out)
    enc_params = count_params(vae.stem) + count_params(vae.enc) + count_params(vae.enc_norm) + count_params(vae.enc_out)
    params = {"text_encoder": count_params(kineo.text), "transformer": count_params(kineo.dit), "vae_decoder": dec_params,
              "vae_encoder": enc_params}
    params["total"] = sum(params.values())
    meta = {
        "name": name,
        "version": version,
        "format": "kineo-t2v/1",
        "license": "Apache-2.0",
        "video": {"frames": vcfg["frames"], "fps": VIDEO_FPS, "height": vcfg["height"], "width": vcfg["width"],
                  # other aspects the DiT was trained on, drawn natively at these frame sizes (the transformer graph
                  # takes any latent grid)
                  **({"aspects": {k: {"width": w, "height": h} for k, (w, h) in aspects.items()}} if aspects else {})},
        "text": {"vocab": "vocab.json", "maxTokens": L, "uncond": {"ids": [0] * L, "mask": [1] + [0] * (L - 1)}},
        "latent": {"channels": cfg["latent_channels"], "shape": list(cfg["latent_shape"]),
                   "norm": {"mean": [float(v) for v in norm["mean"]], "std": [float(v) for v in norm["std"]]}},
        "sampler": {"kind": "rectified-flow", "scheduler": "euler", "steps": int(steps), "shift": float(shift),
                    "guidance": float(guidance)},
        "preview": {"rgb_factors": preview["rgb_factors"], "rgb_bias": preview["rgb_bias"]},
        # frames given as conditions: a picture is held still for timeFactor frames, encoded by vae_encoder, normalised
        # with latent.norm and put in place of a latent frame whose timestep is then 0 (training.dit.flow)
        "conditioning": {"timestep": "per-frame", "vae": {"timeFactor": vcfg["time_factor"],
                                                         "spatialFactor": vcfg["spatial_factor"]},
                         # a long clip's next window sees the frames it continues at this noise level (and timestep);
                         # training.dit.train --context-noise taught the model to
                         **({"contextNoise": float(context_noise)} if context_noise > 0 else {})},
        "onnx": {k: dict(v) for k, v in ONNX_IO.items()},
        "precision": precision,
        "files": {f: file_entry(os.path.join(out, f))
                  for f in ("text_encoder.onnx", "transformer.onnx", "vae_decoder.onnx", "vae_encoder.onnx", "vocab.json")},
        "params": params,
        "config": {"dit": cfg, "vae": vcfg, "vae_latent_mean": float(vae.latent_mean),
                   "vae_latent_std": float(vae.latent_std)},
        "training": {"vae": training_summary(vae_ck, VAE_ARG_KEYS), "dit": training_summary(dit_ck, dit_arg_keys(dit_ck))},
        "opset": OPSET,
    }
    vm = vae_ck.get("metrics") or {}
    if vm.get("psnr") is not None:
        meta["training"]["vae"]["val_psnr"] = vm["psnr"]
    hist = dit_ck.get("history") or []
    if hist and hist[-1].get("val_loss") is not None:
        meta["training"]["dit"]["val_loss"] = hist[-1]["val_loss"]
    if checks is not None:
        meta["checks"] = checks
    return meta


MODEL_CARD = """# {name}

*Model card skeleton written by `training/export_model.py`; fill in the sections below.*

{name} is Kineo's built-in text-to-video model: a causal 3D VAE, a word-level text encoder trained from scratch and
a small diffusion transformer trained with rectified flow, all exported to ONNX and run on the CPU by the Kineo
engine (`kineo generate`).

| | |
|---|---|
| Video | {frames} frames at {fps} fps, {width}×{height} |
| Parameters | {params:,} (text encoder {p_text:,}, transformer {p_dit:,}, VAE decoder {p_vae:,}) |
| Weights | {precision} |
| Sampler | rectified flow, Euler, {steps} steps, guidance {guidance}, shift {shift} |
| License | Apache-2.0 |

## What it can draw

TODO: the procedural world's objects, motions, backgrounds, effects and camera moves it renders well.

## What it cannot draw

TODO: words outside `vocab.json` (reported to the user as unknown), combinations it gets wrong.

## Evaluation (held-out split)

TODO: `kineo eval --split heldout --generator models/{name}` figures next to the oracle's.

## Training

TODO: data, compute and schedule (model.json `training` has the machine-readable summary).
"""


def write_model_card(out: str, meta: dict) -> bool:
    path = os.path.join(out, "README.md")
    if os.path.exists(path):
        return False
    p = meta["params"]
    with open(path, "w", encoding="utf-8") as f:
        f.write(MODEL_CARD.format(name=meta["name"], precision=meta["precision"], params=p["total"],
                                  p_text=p["text_encoder"], p_dit=p["transformer"], p_vae=p["vae_decoder"],
                                  **meta["video"], **meta["sampler"]))
    return True


# ------------------------------------------------------------------------------------------------ export
def export_model(vae_ck: dict, dit_ck: dict, out: str, fp16: bool = True, *, name: str = "kineo-mini",
                 version: str = "1", steps: int = 20, guidance: float = 4.0, shift: float = 1.0,
                 check: bool = True, preview_clips: int = 32, aspects: Optional[Dict[str, Tuple[int, int]]] = None,
                 context_noise: float = 0.0, hd_ck: Optional[dict] = None,
                 log=print) -> dict:
    """Write the model directory ``out``; returns the manifest (model.json). ``hd_ck``: a 2x decoder's checkpoint
    (training.vae.train_hd), exported as vae_decoder.onnx; model.json then says video.decodeScale 2."""
    vae, kineo = build_models(vae_ck, dit_ck)
    hd = None
    if hd_ck is not None:
        from .vae.hd import HDDecoder
        hd = HDDecoder.from_config(hd_ck["config"])
        hd.load_state_dict(hd_ck["ema"])
        hd.eval()
        if hd.config()["vae"] != vae.config():
            raise SystemExit("the 2x decoder was trained on another VAE's latents than the one exported")
    step = vae.spatial_factor * kineo.dit.patch[1]
    for ratio, (w, h) in (aspects or {}).items():
        if w % step or h % step:
            raise SystemExit(f"--aspects {ratio}={w}x{h}: width and height must be multiples of {step} (the VAE's "
                             f"spatial factor {vae.spatial_factor} times the DiT's patch {kineo.dit.patch[1]})")
    os.makedirs(out, exist_ok=True)
    from .dit.export import export_text_encoder, export_transformer

    checks: Optional[dict] = {} if check else None
    with tempfile.TemporaryDirectory(prefix="kineo-export-") as tmp:
        fp32 = {k: os.path.join(tmp, v["file"]) for k, v in ONNX_IO.items()}
        export_text_encoder(kineo.text, fp32["text_encoder"])
        export_transformer(kineo.dit, fp32["transformer"], max_tokens=kineo.text.max_tokens)
        export_vae_decoder(vae, fp32["vae_decoder"], hd)
        export_vae_encoder(vae, fp32["vae_encoder"])
        stored = {}
        for k, src in fp32.items():
            dst = os.path.join(out, ONNX_IO[k]["file"])
            shutil.copyfile(src, dst + ".tmp")
            if fp16:
                stored[k] = store_weights_fp16(dst + ".tmp")
            os.replace(dst + ".tmp", dst)
        if check:
            inputs = check_inputs(vae, kineo)
            ref = torch_outputs(vae, kineo, inputs, hd)
            for k, io in ONNX_IO.items():
                out_name = io["outputs"][0]
                got32 = run_onnx(fp32[k], inputs[k])[out_name]
                entry = {"onnx_vs_torch": float(np.abs(got32 - ref[k]).max())}
                if fp16:
                    got16 = run_onnx(os.path.join(out, io["file"]), inputs[k])[out_name]
                    entry["fp16_vs_fp32"] = float(np.abs(got16 - got32).max())
                checks[k] = entry
                log(f"[export] {io['file']}: max abs error onnx vs torch {entry['onnx_vs_torch']:.2e}"
                    + (f", fp16 weights vs fp32 {entry['fp16_vs_fp32']:.2e}" if fp16 else ""))
    write_json_atomic(dit_ck["vocab"], os.path.join(out, "vocab.json"))
    preview = fit_preview(vae, dit_ck["latent_norm"], clips=preview_clips)
    log(f"[export] preview rgb map fitted on {preview_clips} random decodes (R² {preview['r2']:.3f})")
    meta = manifest(vae, kineo, vae_ck, dit_ck, out, preview, "fp16-weights" if fp16 else "fp32", name=name,
                    version=version, steps=steps, guidance=guidance, shift=shift, checks=checks, aspects=aspects,
                   context_noise=context_noise)
    if hd is not None:
        meta["video"]["decodeScale"] = hd.scale
        meta["params"]["vae_decoder"] = count_params(hd)
        meta["params"]["total"] = sum(v for k, v in meta["params"].items() if k != "total")
        meta["training"]["vae_decoder_2x"] = training_summary(hd_ck, ("batch", "lr", "edge", "gan", "latent_noise",
                                                                      "minutes", "seed"))
        meta["config"]["vae_decoder_2x"] = hd.config()
    write_json_atomic(meta, os.path.join(out, "model.json"))
    if write_model_card(out, meta):
        log(f"[export] wrote a model card skeleton {os.path.join(out, 'README.md')}")
    total = sum(e["bytes"] for e in meta["files"].values()) + os.path.getsize(os.path.join(out, "model.json"))
    if fp16:
        n = sum(s["converted"] for s in stored.values())
        log(f"[export] {n} weight tensors stored as float16 (compute stays float32)")
    log(f"[export] {out}: {total / 2 ** 20:.2f} MiB, {meta['params']['total']:,} params "
        f"(text {meta['params']['text_encoder']:,}, dit {meta['params']['transformer']:,}, "
        f"vae decoder {meta['params']['vae_decoder']:,}), precision {meta['precision']}")
    if total > BUDGET_MIB * 2 ** 20:
        log(f"[export] warning: {total / 2 ** 20:.1f} MiB is over the {BUDGET_MIB} MiB budget for a model in git")
    return meta


def parse_aspects(text: str) -> Dict[str, Tuple[int, int]]:
    """"16:9=112x64,9:16=64x112" -> {"16:9": (112, 64), "9:16": (64, 112)}."""
    import re
    out: Dict[str, Tuple[int, int]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        m = re.fullmatch(r"(\d+:\d+)=(\d+)x(\d+)", part)
        if not m:
            raise ValueError(f"{part!r} is not RATIO=WIDTHxHEIGHT (16:9=112x64)")
        out[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return out


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="export kineo-mini (VAE decoder + text encoder + DiT) as a model directory")
    p.add_argument("--vae", help="VAE checkpoint dir (from training.vae.train --out)")
    p.add_argument("--dit", help="DiT checkpoint dir (from training.dit.train --out)")
    p.add_argument("--weights", help="packed weights file (training.weights pack), instead of --vae/--dit")
    p.add_argument("--out", required=True, help="model directory, e.g. models/kineo-mini")
    p.add_argument("--hd", default=None, help="a 2x decoder's run dir (training.vae.train_hd --out), exported as "
                   "vae_decoder.onnx (default: the one packed in --weights, if any)")
    p.add_argument("--fp32", action="store_true", help="store float32 weights (default: float16 weights, fp32 compute)")
    p.add_argument("--name", default="kineo-mini")
    p.add_argument("--version", default="1")
    p.add_argument("--steps", type=int, default=20, help="default sampling steps written to model.json")
    p.add_argument("--guidance", type=float, default=4.0, help="default CFG scale written to model.json")
    p.add_argument("--shift", type=float, default=1.0, help="default timestep shift written to model.json")
    p.add_argument("--preview-clips", type=int, default=32, help="random decodes the preview rgb map is fitted on")
    p.add_argument("--no-check", action="store_true", help="skip running the ONNX files against PyTorch")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--aspects", default="", metavar="16:9=112x64,9:16=64x112",
                   help="other aspect ratios the DiT was trained on and their frame sizes (multiples of the VAE's "
                        "spatial factor times the DiT's patch), written to model.json video.aspects")
    p.add_argument("--context-noise", type=float, default=0.0, metavar="LEVEL",
                   help="model.json conditioning.contextNoise: the noise level at which each window of a long clip sees "
                        "the frames it continues (for a DiT trained with --context-noise; 0 = clean)")
    a = p.parse_args(argv)
    if not 0.0 <= a.context_noise < 1.0:
        p.error("--context-noise must be from 0 to below 1")
    try:
        a.aspects = parse_aspects(a.aspects)
    except ValueError as e:
        p.error(f"--aspects: {e}")
    if bool(a.weights) == bool(a.vae or a.dit):
        p.error("give --vae and --dit, or --weights (not both)")
    return a


def main(argv=None) -> dict:
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    vae_ck, dit_ck = load_checkpoints(a.vae, a.dit, a.weights)
    hd_ck = None
    if a.hd:
        hd_ck = load_ckpt(a.hd)
    elif a.weights:
        from .weights import checkpoints, read
        hd_ck = checkpoints(read(a.weights)).get("hd")
    return export_model(vae_ck, dit_ck, a.out, fp16=not a.fp32, name=a.name, version=a.version, steps=a.steps,
                        guidance=a.guidance, shift=a.shift, check=not a.no_check, preview_clips=a.preview_clips,
                        aspects=a.aspects, context_noise=a.context_noise, hd_ck=hd_ck)


if __name__ == "__main__":
    main()

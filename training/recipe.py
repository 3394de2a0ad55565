"""Run a training recipe: the exact data, flags and export of one shipped model, from one JSON file.

    /usr/bin/python3 -m training.recipe training/recipes/kineo-mini-v10.json --out runs/v10 [--minutes M]
        [--scale F] [--dit-args "..."] [--export DIR]

``npm run train -- --recipe FILE`` calls this. Before recipes, a shipped model's flags lived only in the prose of
``training/weights/README.md``; a recipe makes "how was this trained" a file that reruns.

A recipe (``kineo-recipe/1``) continues packed weights (``from``: a path, optionally at a git ``commit``, since the
repository's ``training/weights/kineo-mini.npz`` is overwritten by every release), renders its ``data`` sets
(``world`` clips through ``kineo world data`` at any size, or ``pictures``: the camera moving over procedural
pictures), encodes them with the frozen VAE, trains the DiT on them (``dit.mix`` weights the sets in ``data`` order),
packs the weights and exports the model directory. Optional stages: ``hd`` trains the 2x decoder
(training.vae.train_hd) on world clips rendered at twice the model's size, ``distill`` teaches a few-step student
(training.dit.distill) from the recipe's DiT; ``dit.minutes`` 0 keeps the DiT as it was. Stages are recorded in ``DIR/recipe.json``; a rerun skips what
is finished and resumes the DiT from its checkpoint, so an interrupted run loses minutes, not the run.

``--scale F`` multiplies every set's clip count (a smoke run of the recipe's shape on a few clips); ``--minutes``
overrides the DiT's budget. Neither changes the file: the recipe stays the record of what was shipped.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from typing import List

from .common.run import StagedRun, log, write_json_atomic

FORMAT = "kineo-recipe/1"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_KINDS = ("world", "pictures")


class RecipeError(ValueError):
    pass


def load_recipe(path: str) -> dict:
    """Reads and checks a recipe, with messages that say which field is wrong and how to fix it."""
    with open(path, "r", encoding="utf-8") as f:
        r = json.load(f)
    if r.get("format") != FORMAT:
        raise RecipeError(f"{path}: format must be {FORMAT!r}, got {r.get('format')!r}")
    data = r.get("data")
    if not isinstance(data, list) or not data:
        raise RecipeError(f"{path}: data must list at least one set ({{name, kind, clips, seed}})")
    names = set()
    for i, d in enumerate(data):
        if d.get("kind") not in DATA_KINDS:
            raise RecipeError(f"{path}: data[{i}].kind must be one of {', '.join(DATA_KINDS)}, got {d.get('kind')!r}")
        for key in ("name", "clips", "seed"):
            if key not in d:
                raise RecipeError(f"{path}: data[{i}] needs {key!r}")
        if d["name"] in names:
            raise RecipeError(f"{path}: data[{i}].name {d['name']!r} is used twice")
        names.add(d["name"])
    if data[0]["kind"] != "world":
        raise RecipeError(f"{path}: data[0] must be a world set (picture sets copy its label vocabulary)")
    dit = r.get("dit") or {}
    if "minutes" not in dit:
        raise RecipeError(f"{path}: dit.minutes is required")
    mix = dit.get("mix")
    if mix is not None and len(mix) != len(data):
        raise RecipeError(f"{path}: dit.mix has {len(mix)} weights for {len(data)} data sets")
    hd = r.get("hd")
    if hd is not None:
        for key in ("clips", "seed", "minutes"):
            if key not in hd:
                raise RecipeError(f"{path}: hd needs {key!r} (its world clips at twice the model's size and its budget)")
    distill = r.get("distill")
    if distill is not None and "minutes" not in distill:
        raise RecipeError(f"{path}: distill.minutes is required")
    if distill is not None and distill.get("mix") is not None and len(distill["mix"]) != len(data):
        raise RecipeError(f"{path}: distill.mix has {len(distill['mix'])} weights for {len(data)} data sets")
    if "from" in r and "weights" not in r["from"]:
        raise RecipeError(f"{path}: from needs 'weights' (a packed .npz, e.g. training/weights/kineo-mini.npz)")
    return r


class Recipe(StagedRun):
    def __init__(self, recipe: dict, out: str, scale: float = 1.0, minutes: float = None, dit_args: str = "",
                 export: str = None):
        self.r = recipe
        self.out = os.path.abspath(out)
        self.scale = scale
        self.minutes = minutes if minutes is not None else float(recipe["dit"]["minutes"])
        self.dit_args = shlex.split(dit_args)
        self.export_dir = os.path.abspath(export) if export else self.path("model")
        os.makedirs(self.out, exist_ok=True)
        self.state_path = self.path("recipe.json")
        self.state = json.load(open(self.state_path)) if os.path.exists(self.state_path) else {"stages": {}}
        self.state["recipe"] = recipe

    def clips(self, d: dict) -> int:
        return max(1, int(round(d["clips"] * self.scale)))

    # ------------------------------------------------------------------ stages
    def start_weights(self) -> None:
        if self.done("from") or "from" not in self.r:
            return
        from .weights import unpack

        src = self.r["from"]
        weights = src["weights"]
        if src.get("commit"):
            weights = self.path("from.npz")
            blob = subprocess.run(["git", "-C", REPO, "show", f"{src['commit']}:{src['weights']}"], check=True,
                                  capture_output=True).stdout
            with open(weights, "wb") as f:
                f.write(blob)
        unpack(weights if os.path.isabs(weights) else os.path.join(REPO, weights), self.path("from"))
        self.mark("from", weights=src["weights"], commit=src.get("commit"))

    def render(self, d: dict) -> None:
        stage = f"data-{d['name']}"
        if self.done(stage):
            return
        out, n = self.path(stage), self.clips(d)
        if d["kind"] == "world":
            cmd = ["node", os.path.join(REPO, "bin", "kineo.mjs"), "world", "data", "--out", out, "--split", "train",
                   "--clips", str(n), "--seed", str(d["seed"]), "--coverage", "--workers", str(d.get("workers", 2))]
            for key in ("width", "height"):
                if key in d:
                    cmd += [f"--{key}", str(d[key])]
        else:
            cmd = [sys.executable, "-m", "training.pictures", "--out", out, "--clips", str(n), "--seed", str(d["seed"]),
                   "--vocab-from", self.path(f"data-{self.r['data'][0]['name']}")]
            for key in ("width", "height"):
                if key in d:
                    cmd += [f"--{key}", str(d[key])]
        log(f"[recipe] render {d['name']}: {' '.join(cmd)}")
        subprocess.run(cmd, check=True, cwd=REPO)
        self.mark(stage, clips=n)

    def encode(self, d: dict) -> None:
        from .vae import encode_latents

        stage = f"latents-{d['name']}"
        if self.done(stage):
            return
        encode_latents.main(["--data", self.path(f"data-{d['name']}"), "--vae", self.vae_dir(),
                             "--out", self.path(stage)] + [str(x) for x in self.r.get("encode", [])])
        self.mark(stage)

    def vae_dir(self) -> str:
        if "from" in self.r:
            return self.path("from", "vae")
        raise RecipeError("a recipe without 'from' needs a VAE: recipes continue shipped weights (training.pipeline "
                          "trains one from scratch)")

    def train_dit(self) -> None:
        from .dit import train as dit_train

        if self.done("dit"):
            return
        dit_out = self.path("dit")
        os.makedirs(dit_out, exist_ok=True)
        start = self.path("from", "dit", "ckpt.pt")
        if not os.path.exists(os.path.join(dit_out, "ckpt.pt")) and os.path.exists(start):
            import shutil
            shutil.copyfile(start, os.path.join(dit_out, "ckpt.pt"))
        dit = self.r["dit"]
        if self.minutes <= 0:  # the DiT is kept as it was (a recipe that trains a decoder or distils only)
            self.mark("dit", minutes=0)
            return
        argv = ["--latents", ",".join(self.path(f"latents-{d['name']}") for d in self.r["data"]),
                "--vocab", os.path.join(REPO, dit.get("vocab", "models/kineo-mini/vocab.json")),
                "--out", dit_out, "--resume", "--minutes", f"{self.minutes:.4f}"]
        if dit.get("mix"):
            argv += ["--mix", ",".join(str(w) for w in dit["mix"])]
        dit_train.main(argv + [str(x) for x in dit.get("args", [])] + self.dit_args)
        self.mark("dit", minutes=self.minutes)

    def train_hd(self) -> None:
        """The 2x decoder (training.vae.train_hd) on world clips rendered at twice the model's size."""
        from .vae import train_hd

        hd = self.r.get("hd")
        if hd is None or self.done("hd"):
            return
        size = str(hd.get("size", 128))
        for stage, split, clips, seed in (("data-hd", "train", self.clips(hd), hd["seed"]),
                                          ("data-hd-val", "heldout", self.clips(hd.get("val", {"clips": 200})),
                                           hd.get("val", {}).get("seed", hd["seed"] + 1))):
            if self.done(stage):
                continue
            cmd = ["node", os.path.join(REPO, "bin", "kineo.mjs"), "world", "data", "--out", self.path(stage),
                   "--split", split, "--clips", str(clips), "--seed", str(seed), "--size", size,
                   "--workers", str(hd.get("workers", 2))]
            log(f"[recipe] render {stage}: {' '.join(cmd)}")
            subprocess.run(cmd, check=True, cwd=REPO)
            self.mark(stage, clips=clips)
        train_hd.main(["--data", self.path("data-hd"), "--val", self.path("data-hd-val"), "--vae", self.vae_dir(),
                       "--out", self.path("hd"), "--resume", "--minutes", str(hd["minutes"])]
                      + [str(x) for x in hd.get("args", [])])
        self.mark("hd", minutes=hd["minutes"])

    def distil(self) -> None:
        """The few-step student (training.dit.distill), taught by the DiT this recipe ends with."""
        from .dit import distill

        d = self.r.get("distill")
        if d is None or self.done("distill"):
            return
        argv = ["--teacher", self.path("dit"), "--out", self.path("distill"), "--resume", "--minutes", str(d["minutes"]),
                "--latents", ",".join(self.path(f"latents-{x['name']}") for x in self.r["data"])]
        if d.get("mix"):
            argv += ["--mix", ",".join(str(w) for w in d["mix"])]
        distill.main(argv + [str(x) for x in d.get("args", [])])
        self.mark("distill", minutes=d["minutes"])

    def hd_dir(self):
        """This recipe's 2x decoder, else the one the weights it continues carry, else none."""
        if "hd" in self.r:
            return self.path("hd")
        return self.path("from", "hd") if os.path.exists(self.path("from", "hd", "ckpt.pt")) else None

    def pack_and_export(self) -> None:
        from . import export_model
        from .weights import pack, write

        if not self.done("pack"):
            dit = self.path("distill") if "distill" in self.r else self.path("dit")
            write(pack(self.vae_dir(), dit, self.hd_dir()), self.path("weights.npz"))
            self.mark("pack", weights=self.path("weights.npz"))
        if not self.done("export"):
            export_model.main(["--weights", self.path("weights.npz"), "--out", self.export_dir]
                              + [str(x) for x in self.r.get("export", [])])
            self.mark("export", out=self.export_dir)

    def run(self) -> dict:
        t0 = time.time()
        log(f"[recipe] {self.r.get('model', 'model')} v{self.r.get('version', '?')} -> {self.out}"
            f" (DiT {self.minutes:g} min, clips x{self.scale:g})")
        self.start_weights()
        for d in self.r["data"]:
            self.render(d)
        for d in self.r["data"]:
            self.encode(d)
        self.train_dit()
        self.distil()
        self.train_hd()
        self.pack_and_export()
        summary = {"wall_s": round(time.time() - t0, 1), "model": self.export_dir, "weights": self.path("weights.npz")}
        self.state["summary"] = summary
        write_json_atomic(self.state, self.state_path)
        log(f"[recipe] done in {summary['wall_s'] / 60:.1f} min wall: model {self.export_dir}")
        return summary


def main(argv: List[str] = None) -> dict:
    p = argparse.ArgumentParser(description="rerun a shipped model's training recipe (training/recipes/*.json)")
    p.add_argument("recipe", help="recipe file, e.g. training/recipes/kineo-mini-v10.json")
    p.add_argument("--out", required=True, help="run directory (data, latents, checkpoints; resumable)")
    p.add_argument("--minutes", type=float, default=None, help="DiT budget instead of the recipe's")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every data set's clip count (smoke runs)")
    p.add_argument("--dit-args", default="", help="extra flags for training.dit.train (quoted), after the recipe's")
    p.add_argument("--export", default=None, help="model directory to write (default: OUT/model)")
    a = p.parse_args(argv)
    try:
        recipe = load_recipe(a.recipe)
    except (OSError, ValueError) as e:
        raise SystemExit(f"recipe: {e}")
    return Recipe(recipe, a.out, a.scale, a.minutes, a.dit_args, a.export).run()


if __name__ == "__main__":
    main()

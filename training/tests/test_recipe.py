"""A recipe (training/recipes/*.json) reruns a shipped model's training: continue packed weights (also from a git
commit), render world clips of several aspects and picture clips, encode them, train the DiT on the mix, pack and
export, resumable stage by stage. Run on tiny weights and a few clips; the shipped recipes are checked for shape."""
import glob
import json
import os
import shutil

import pytest
import torch

from training import recipe, weights
from training.common.run import save_atomic
from training.make_tiny_model import grammar_vocab, tiny_checkpoints

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="the renderer needs node (npm install)")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tiny_weights(tmp_path):
    vocab = grammar_vocab()
    vae_ck, dit_ck = tiny_checkpoints(vocab)
    for kind, ck in (("vae", vae_ck), ("dit", dit_ck)):
        os.makedirs(tmp_path / "ck" / kind, exist_ok=True)
        save_atomic(ck, str(tmp_path / "ck" / kind / "ckpt.pt"))
    packed = str(tmp_path / "tiny.npz")
    weights.write(weights.pack(str(tmp_path / "ck" / "vae"), str(tmp_path / "ck" / "dit")), packed)
    with open(tmp_path / "vocab.json", "w") as f:
        json.dump(vocab, f)
    return packed, dit_ck["step"]


def test_a_recipe_continues_weights_on_every_aspect_and_exports_resumably(tmp_path):
    packed, start_step = tiny_weights(tmp_path)
    r = {"format": recipe.FORMAT, "model": "kineo-mini", "version": 99, "from": {"weights": packed},
         "data": [{"name": "sq", "kind": "world", "clips": 6, "seed": 1, "workers": 1},
                  {"name": "wide", "kind": "world", "clips": 4, "seed": 2, "width": 112, "height": 64, "workers": 1},
                  {"name": "pics", "kind": "pictures", "clips": 4, "seed": 3}],
         "dit": {"minutes": 0.03, "mix": [0.5, 0.3, 0.2], "vocab": str(tmp_path / "vocab.json"),
                 "args": ["--batch", "4", "--previews", "0", "--eval-every", "9999", "--threads", "1",
                          "--cond", "0.5,0.2,0.1,0.2", "--context-noise", "0.1"]},
         "export": ["--version", "99", "--steps", "2", "--aspects", "16:9=112x64", "--no-check", "--preview-clips", "2"]}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(r))
    out = tmp_path / "run"
    summary = recipe.main([str(path), "--out", str(out)])
    state = json.load(open(out / "recipe.json"))
    assert {"from", "data-sq", "data-wide", "data-pics", "latents-sq", "latents-wide", "latents-pics", "dit", "pack",
            "export"} <= set(state["stages"])
    assert state["stages"]["data-wide"]["clips"] == 4
    assert json.load(open(out / "latents-wide" / "meta.json"))["latent_shape"][-2:] == [8, 14]  # drawn 16:9, natively
    model = json.load(open(os.path.join(summary["model"], "model.json")))
    assert model["version"] == "99" and "16:9" in json.dumps(model["video"])
    from training.common.device import torch_load
    trained = torch_load(str(out / "dit" / "ckpt.pt"))
    assert trained["step"] > start_step and trained["args"]["context_noise"] == 0.1

    # a rerun skips every finished stage: nothing is rendered or trained again
    before = {k: v["finished"] for k, v in state["stages"].items()}
    recipe.main([str(path), "--out", str(out)])
    after = json.load(open(out / "recipe.json"))["stages"]
    assert {k: after[k]["finished"] for k in before} == before


def test_a_recipe_can_keep_the_dit_distil_it_and_train_a_2x_decoder(tmp_path):
    packed, start_step = tiny_weights(tmp_path)
    r = {"format": recipe.FORMAT, "model": "kineo-mini", "version": 98, "from": {"weights": packed},
         "data": [{"name": "sq", "kind": "world", "clips": 6, "seed": 1, "workers": 1}],
         "dit": {"minutes": 0, "vocab": str(tmp_path / "vocab.json")},
         "distill": {"minutes": 0.02, "args": ["--batch", "2", "--threads", "1", "--max-steps", "2"]},
         "hd": {"clips": 5, "seed": 4, "minutes": 0.02, "workers": 1, "val": {"clips": 2, "seed": 5},
                "args": ["--batch", "2", "--head-channels", "4", "--threads", "1", "--max-steps", "2", "--val-max", "2"]},
         "export": ["--version", "98", "--steps", "4", "--guidance", "1", "--no-check", "--preview-clips", "2"]}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(r))
    out = tmp_path / "run"
    summary = recipe.main([str(path), "--out", str(out)])
    state = json.load(open(out / "recipe.json"))["stages"]
    assert {"dit", "distill", "data-hd", "data-hd-val", "hd", "pack", "export"} <= set(state)
    from training.common.device import torch_load
    assert torch_load(str(out / "dit" / "ckpt.pt"))["step"] == start_step  # minutes 0: the DiT as it was
    packed_out = weights.checkpoints(weights.read(summary["weights"]))
    assert packed_out["dit"]["step"] == 2 and "distilled_from" in packed_out["dit"]["args"]  # the student ships
    assert "hd" in packed_out
    model = json.load(open(os.path.join(summary["model"], "model.json")))
    assert model["video"]["decodeScale"] == 2 and model["sampler"]["steps"] == 4 and model["sampler"]["guidance"] == 1


def test_recipes_are_checked_with_messages_that_say_what_to_fix(tmp_path):
    def bad(**over):
        r = {"format": recipe.FORMAT, "data": [{"name": "a", "kind": "world", "clips": 1, "seed": 1}],
             "dit": {"minutes": 1}, **over}
        p = tmp_path / "bad.json"
        p.write_text(json.dumps(r))
        with pytest.raises(recipe.RecipeError) as e:
            recipe.load_recipe(str(p))
        return str(e.value)

    assert "format must be" in bad(format="x")
    assert "kind must be one of world, pictures" in bad(data=[{"name": "a", "kind": "video", "clips": 1, "seed": 1}])
    assert "dit.mix has 2 weights for 1 data sets" in bad(dit={"minutes": 1, "mix": [0.5, 0.5]})
    assert "data[0] must be a world set" in bad(data=[{"name": "a", "kind": "pictures", "clips": 1, "seed": 1}])
    assert "hd needs 'minutes'" in bad(hd={"clips": 1, "seed": 1})
    assert "distill.minutes is required" in bad(distill={})
    assert "used twice" in bad(data=[{"name": "a", "kind": "world", "clips": 1, "seed": 1}] * 2)


def test_every_shipped_recipe_loads_and_names_a_commit_that_holds_its_weights():
    import subprocess
    files = glob.glob(os.path.join(REPO, "training", "recipes", "*.json"))
    assert files
    for f in files:
        r = recipe.load_recipe(f)
        src = r["from"]
        kind = subprocess.run(["git", "-C", REPO, "cat-file", "-t", f"{src['commit']}:{src['weights']}"],
                              capture_output=True, text=True)
        assert kind.stdout.strip() == "blob", f"{f}: {src['commit']}:{src['weights']} is not in git"

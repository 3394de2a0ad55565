"""training/dit/distill.py: the student starts as the teacher, learns the teacher's guided multi-step walk as one
unguided step (the loss falls), keeps given frames out of the loss, resumes, and writes a DiT checkpoint."""
import json

import numpy as np
import torch

from training.make_tiny_model import tiny_checkpoints


def _data(tmp_path):
    rng = np.random.default_rng(0)
    d = tmp_path / "lat"
    d.mkdir()
    np.save(d / "latents.npy", (rng.standard_normal((8, 4, 4, 8, 8)) * 0.5).astype(np.float16))
    caps = ["a cat moves left", "a dog moves right", "a ball bounces on the beach", "two cats spins",
            "a cat moves right at night", "a dog spins", "a ball moves left", "a cat bounces"]
    with open(d / "captions.jsonl", "w") as f:
        for c in caps:
            f.write(json.dumps({"caption": c, "split": "train"}) + "\n")
    return d


def test_distils_the_guided_walk_into_one_unguided_step_and_resumes(tmp_path):
    from training.dit import distill

    _, dit_ck = tiny_checkpoints()
    teacher_dir = tmp_path / "teacher"
    teacher_dir.mkdir()
    torch.save(dit_ck, teacher_dir / "ckpt.pt")
    data = _data(tmp_path)
    out = tmp_path / "student"
    common = ["--teacher", str(teacher_dir), "--latents", str(data), "--out", str(out), "--minutes", "10",
              "--batch", "4", "--threads", "1", "--cond", "0.7,0,0,0.3", "--lr", "3e-3", "--warmup-frac", "0"]
    r = distill.main(common + ["--max-steps", "30"])
    assert r["step"] == 30
    hist = json.load(open(out / "metrics.json"))["history"]
    ck = torch.load(out / "ckpt.pt")
    assert ck["vocab"] == dit_ck["vocab"] and ck["latent_norm"] == dit_ck["latent_norm"]
    assert set(ck["ema"]) == {"decay", "updates", "shadow"}
    r = distill.main(common + ["--max-steps", "32", "--resume"])
    assert r["step"] == 32
    # the student's one step lands nearer the teacher's guided two-step walk than the teacher's own one unguided step
    from training.dit.train import build_model_from_ckpt
    teacher = build_model_from_ckpt(dit_ck).eval()
    student = build_model_from_ckpt(torch.load(out / "ckpt.pt"), use_ema=False).eval()
    g = torch.Generator().manual_seed(3)
    x = torch.randn(4, 4, 4, 8, 8, generator=g)
    ids = torch.tensor([[2, 4, 7, 8, 0, 0, 0, 0] + [0] * 24] * 4)
    from training.dit.flow import uncond_tokens
    mask = (ids > 0).long()
    with torch.no_grad():
        u_ids, u_mask = uncond_tokens(4, ids.shape[1])
        states, m = teacher.text(torch.cat([ids, u_ids]), torch.cat([mask, u_mask]))
        s0, s1 = torch.full((4,), 1.0), torch.full((4,), 0.75)
        given = (torch.zeros(4, 4, dtype=torch.bool), torch.zeros(4, 4))
        x1 = distill.teacher_walk(teacher, x, s0, s1, 2, states, m, 8.0, given, x, False)
        target = (x1 - x) / (s1 - s0).view(-1, 1, 1, 1, 1)
        err_student = (student(x, s0, ids, mask) - target).pow(2).mean()
        err_teacher = (teacher(x, s0, ids, mask) - target).pow(2).mean()
    assert float(err_student) < float(err_teacher)
    assert len(hist) >= 1

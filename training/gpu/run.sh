#!/usr/bin/env bash
# One prepared kineo-mini training run on a lent GPU machine (see training/gpu/README.md).
#
#   MINUTES=6.5 bash training/gpu/run.sh        # on the device, from the repo root; $OUT receives the results
#
# That machine has Python + torch 2.x but no Node and no network: the renderer travels as a bundle
# (scripts/bundle-renderer.mjs) plus an xz-compressed node binary in tmp/gpu-carry (training/gpu/prepare.sh).
# Results in $OUT (at most 8 files of <= 16 MiB): log.txt, kineo-mini.npz.000… (fp16 EMA weights, packed by
# training/weights.py and refreshed every minute while the DiT trains, so a run cut short still returns weights),
# results.tar.gz (metrics, loss curve, VAE reconstructions, pipeline.json).
set -uo pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/kineo-out}
CARRY=${CARRY:-tmp/gpu-carry}
RUN=${RUN:-/tmp/kineo-run}
PY=${PY:-python3}
mkdir -p "$OUT" "$RUN"
exec > >(tee -a "$OUT/log.txt") 2>&1

$PY -c "import lzma, shutil; shutil.copyfileobj(lzma.open('$CARRY/node.xz'), open('/tmp/kineo-node', 'wb'))" \
  && chmod +x /tmp/kineo-node || { echo "cannot unpack $CARRY/node.xz"; exit 2; }
echo "node $(/tmp/kineo-node --version); $($PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())')"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || true

pack() {
  [ -f "$RUN/vae/ckpt.pt" ] && [ -f "$RUN/dit/ckpt.pt" ] || return 0
  $PY -m training.weights pack --vae "$RUN/vae" --dit "$RUN/dit" --out "$RUN/packed/kineo-mini.npz" --split-mib 15 >/dev/null \
    && rm -f "$OUT"/kineo-mini.npz.* && cp "$RUN"/packed/kineo-mini.npz.* "$OUT"/
}
( while sleep 60; do pack; done ) &
PACKER=$!

eval "set -- ${PIPELINE_ARGS:-}"  # extra pipeline flags, shell-quoted (e.g. --dit-args '--depth 8')
$PY -m training.pipeline --out "$RUN" --minutes "${MINUTES:-6.5}" --preset gpu --device "${DEVICE:-cuda}" \
  --render "/tmp/kineo-node $CARRY/renderer/world-data.mjs" --vocab "$CARRY/vocab.json" --preflight "$@"
RC=$?
kill $PACKER 2>/dev/null
pack
(cd "$RUN" && tar czf "$OUT/results.tar.gz" pipeline.json vae/metrics.json vae/*.png dit/metrics.json dit/loss.png \
  dit/preview.json dit/preview_latents.npy 2>/dev/null)
ls -la "$OUT"
exit $RC

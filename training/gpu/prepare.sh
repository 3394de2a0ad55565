#!/usr/bin/env bash
# Prepares what training/gpu/run.sh needs on a lent GPU machine, in tmp/gpu-carry (ignored by git; pass it in the
# device tool's `carry`): the renderer bundle, an xz-compressed node binary (~24 MiB) and the tokenizer vocabulary.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p tmp/gpu-carry
node scripts/bundle-renderer.mjs tmp/gpu-carry/renderer
node bin/kineo.mjs world vocab -o tmp/gpu-carry/vocab.json
[ -f tmp/gpu-carry/node.xz ] || xz -T2 -6 -c "$(command -v node)" > tmp/gpu-carry/node.xz
du -sh tmp/gpu-carry

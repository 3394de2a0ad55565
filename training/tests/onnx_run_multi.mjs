#!/usr/bin/env node
// Run an ONNX model with several inputs through onnxruntime-node (test helper for training/tests).
//   cd /work/main && node training/tests/onnx_run_multi.mjs MODEL.onnx IN.json OUT.json
// IN.json:  {"<input name>": {"dims": [...], "dtype": "float32" | "int64", "file": "x.bin"}, ...}
//           (raw little-endian data, path relative to IN.json)
// OUT.json: {"<output name>": {"dims": [...], "data": [numbers]}, ...}
// onnxruntime-node is resolved from the current directory's package.json (run with cwd = repo root).
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(join(process.cwd(), 'package.json'));
const ort = require('onnxruntime-node');

const [modelPath, inputPath, outputPath] = process.argv.slice(2);
if (!modelPath || !inputPath || !outputPath) {
  console.error('usage: node training/tests/onnx_run_multi.mjs MODEL.onnx IN.json OUT.json');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(inputPath, 'utf8'));
const feeds = {};
for (const [name, s] of Object.entries(spec)) {
  const buf = readFileSync(resolve(dirname(inputPath), s.file));
  const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  let data;
  if (s.dtype === 'float32' || !s.dtype) data = new Float32Array(bytes);
  else if (s.dtype === 'int64') data = new BigInt64Array(bytes);
  else {
    console.error(`input ${name}: unsupported dtype ${s.dtype}`);
    process.exit(2);
  }
  const n = s.dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) {
    console.error(`input ${name} has ${data.length} values, dims ${JSON.stringify(s.dims)} need ${n}`);
    process.exit(2);
  }
  feeds[name] = new ort.Tensor(s.dtype ?? 'float32', data, s.dims);
}
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
const t0 = performance.now();
const results = await session.run(feeds);
const ms = performance.now() - t0;
const out = {};
for (const key of session.outputNames) {
  const t = results[key];
  out[key] = { dims: Array.from(t.dims, Number), data: Array.from(t.data, Number) };
}
writeFileSync(outputPath, JSON.stringify(out));
console.error(`ran ${modelPath} in ${ms.toFixed(1)} ms -> ${outputPath}`);

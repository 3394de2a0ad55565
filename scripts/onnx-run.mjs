#!/usr/bin/env node
// Run an ONNX model with onnxruntime-node.
//   node scripts/onnx-run.mjs MODEL.onnx INPUT.json OUTPUT.json
// INPUT.json, one input:
//   {"name": "clip", "dims": [...], "data": [floats]}
//   {"name": "clip", "dims": [...], "file": "x.bin"}   ("name" defaults to the model's first input)
// or several inputs:
//   {"inputs": {"<input name>": {"dims": [...], "dtype": "float32" | "int64", "file": "x.bin" | "data": [...]}, ...},
//    "threads": 1}
// "file": raw little-endian data, path relative to INPUT.json. "dtype" defaults to float32 (the one-input form
// takes it too). "threads" (optional, either form) sets onnxruntime's intra- and inter-op threads.
// OUTPUT.json: {"<output name>": {"dims": [...], "data": [numbers]}, ...}
import * as ort from 'onnxruntime-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const [modelPath, inputPath, outputPath] = process.argv.slice(2);
if (!modelPath || !inputPath || !outputPath) {
  console.error('usage: node scripts/onnx-run.mjs MODEL.onnx INPUT.json OUTPUT.json');
  process.exit(2);
}

function fail(message) {
  console.error(message);
  process.exit(2);
}

/** One input spec -> ort.Tensor; `label` names it in errors. */
function tensorFrom(label, s) {
  const dtype = s.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int64') fail(`${label}: unsupported dtype ${dtype}`);
  let data;
  if (s.file) {
    const buf = readFileSync(resolve(dirname(inputPath), s.file));
    const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    data = dtype === 'int64' ? new BigInt64Array(bytes) : new Float32Array(bytes);
  } else {
    data = dtype === 'int64' ? BigInt64Array.from(s.data, (v) => BigInt(v)) : Float32Array.from(s.data);
  }
  const n = s.dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) fail(`${label} has ${data.length} values, dims ${JSON.stringify(s.dims)} need ${n}`);
  return new ort.Tensor(dtype, data, s.dims);
}

const spec = JSON.parse(readFileSync(inputPath, 'utf8'));
const named = spec.inputs ? Object.entries(spec.inputs) : [[spec.name, spec]];
const tensors = named.map(([name, s]) => [name, tensorFrom(name ? `input ${name}` : 'input', s)]);
const options = spec.threads ? { intraOpNumThreads: spec.threads, interOpNumThreads: spec.threads } : {};
const session = await ort.InferenceSession.create(modelPath, options);
const feeds = Object.fromEntries(tensors.map(([name, t]) => [name ?? session.inputNames[0], t]));
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

#!/usr/bin/env node
// Run an ONNX model with onnxruntime-node.
//   node scripts/onnx-run.mjs MODEL.onnx INPUT.json OUTPUT.json
// INPUT.json: {"name": "clip", "dims": [...], "data": [floats]}
//         or  {"name": "clip", "dims": [...], "file": "x.bin"}  (raw little-endian float32, path relative to INPUT.json)
// OUTPUT.json: {"<output name>": {"dims": [...], "data": [floats]}, ...}
import * as ort from 'onnxruntime-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const [modelPath, inputPath, outputPath] = process.argv.slice(2);
if (!modelPath || !inputPath || !outputPath) {
  console.error('usage: node scripts/onnx-run.mjs MODEL.onnx INPUT.json OUTPUT.json');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(inputPath, 'utf8'));
let data;
if (spec.file) {
  const buf = readFileSync(resolve(dirname(inputPath), spec.file));
  data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
} else {
  data = Float32Array.from(spec.data);
}
const n = spec.dims.reduce((a, b) => a * b, 1);
if (n !== data.length) {
  console.error(`input has ${data.length} values, dims ${JSON.stringify(spec.dims)} need ${n}`);
  process.exit(2);
}
const session = await ort.InferenceSession.create(modelPath);
const name = spec.name ?? session.inputNames[0];
const t0 = performance.now();
const results = await session.run({ [name]: new ort.Tensor('float32', data, spec.dims) });
const ms = performance.now() - t0;
const out = {};
for (const key of session.outputNames) {
  const t = results[key];
  out[key] = { dims: Array.from(t.dims, Number), data: Array.from(t.data, Number) };
}
writeFileSync(outputPath, JSON.stringify(out));
console.error(`ran ${modelPath} in ${ms.toFixed(1)} ms -> ${outputPath}`);

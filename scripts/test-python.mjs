#!/usr/bin/env node
// Runs the Python tests (training/) with Debian's torch. Without torch they are skipped with a clear
// message, unless KINEO_REQUIRE_PYTHON_TESTS=1 (set by .ci/run), which turns the skip into a failure.
import { spawnSync } from 'node:child_process';

const python = process.env.KINEO_PYTHON || '/usr/bin/python3';
const required = process.env.KINEO_REQUIRE_PYTHON_TESTS === '1';
const install = 'apt-get install -y python3-torch libopenblas0-pthread python3-numpy python3-onnx python3-pytest';

const probe = spawnSync(python, ['-c', 'import torch, numpy, pytest'], { encoding: 'utf8' });
if (probe.status !== 0) {
  const why = probe.error ? `${python} not found` : (probe.stderr.trim().split('\n').pop() ?? 'import failed');
  const message = `Python tests SKIPPED: ${why}. Install them with: ${install}`;
  if (required) {
    console.error(`${message}\nKINEO_REQUIRE_PYTHON_TESTS=1 is set, so a skip is a failure.`);
    process.exit(1);
  }
  console.warn(message);
  process.exit(0);
}

const run = spawnSync(python, ['-m', 'pytest', 'training/tests', '-q', '-p', 'no:cacheprovider'], { stdio: 'inherit' });
// pytest exits 5 when it collected no tests: that is a broken suite, not a pass.
process.exit(run.status ?? 1);

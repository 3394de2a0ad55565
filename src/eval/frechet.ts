/**
 * Fréchet distance between two sets of clip features (our FVD: the judge's features in place of an I3D network's).
 * Each set is summarised by a Gaussian (mean, covariance); the distance between N(μ1, Σ1) and N(μ2, Σ2) is
 * |μ1 − μ2|² + tr(Σ1 + Σ2 − 2 (Σ1^½ Σ2 Σ1^½)^½). With fewer clips than feature dimensions the covariances are
 * rank-deficient and the figure carries a sampling bias, which is why `kineo eval` reports it beside its floor:
 * the same distance between two oracle renders of the same captions (other seeds).
 */

/** A clip's feature: the mean of its per-frame judge features. */
export function clipFeature(frameFeatures: Float32Array[]): Float64Array {
  const dim = frameFeatures[0]?.length ?? 0;
  const out = new Float64Array(dim);
  for (const f of frameFeatures) for (let i = 0; i < dim; i++) out[i]! += f[i]! / frameFeatures.length;
  return out;
}

interface Gaussian {
  mean: Float64Array;
  /** Row-major dim × dim. */
  cov: Float64Array;
  dim: number;
}

function gaussianOf(samples: Float64Array[]): Gaussian {
  if (samples.length < 2) throw new Error('a Fréchet distance needs at least 2 clips on each side');
  const dim = samples[0]!.length;
  const mean = new Float64Array(dim);
  for (const s of samples) for (let i = 0; i < dim; i++) mean[i]! += s[i]! / samples.length;
  const cov = new Float64Array(dim * dim);
  const d = new Float64Array(dim);
  for (const s of samples) {
    for (let i = 0; i < dim; i++) d[i] = s[i]! - mean[i]!;
    for (let i = 0; i < dim; i++) {
      const di = d[i]!;
      if (di === 0) continue;
      for (let j = i; j < dim; j++) cov[i * dim + j]! += di * d[j]!;
    }
  }
  const norm = 1 / (samples.length - 1);
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const v = cov[i * dim + j]! * norm;
      cov[i * dim + j] = v;
      cov[j * dim + i] = v;
    }
  }
  return { mean, cov, dim };
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix (row-major, n × n) by cyclic Jacobi rotations: simple, exact
 * to rounding, and fast enough for the judge's 384 dimensions (a few seconds). Vectors are the columns of `vectors`.
 */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i]! * a[i]!;
  const tolerance = 1e-22 * Math.max(scale, 1e-300);
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! * a[p * n + q]!;
    if (off <= tolerance) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}

/** The PSD square root of a symmetric positive semi-definite matrix (negative rounding eigenvalues clipped to 0). */
function psdSqrt(m: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(m, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const r = Math.sqrt(Math.max(values[k]!, 0));
    if (r === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k]! * r;
      if (vik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += vik * vectors[j * n + k]!;
    }
  }
  return out;
}

function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += aik * b[k * n + j]!;
    }
  }
  return out;
}

/** Samples minus their mean, row-major n × dim, with the mean. */
function centred(samples: Float64Array[]): { x: Float64Array; mean: Float64Array; n: number; dim: number } {
  if (samples.length < 2) throw new Error('a Fréchet distance needs at least 2 clips on each side');
  const n = samples.length;
  const dim = samples[0]!.length;
  const mean = new Float64Array(dim);
  for (const s of samples) for (let i = 0; i < dim; i++) mean[i]! += s[i]! / n;
  const x = new Float64Array(n * dim);
  samples.forEach((s, r) => { for (let i = 0; i < dim; i++) x[r * dim + i] = s[i]! - mean[i]!; });
  return { x, mean, n, dim };
}

/** Σ sqrt(eigenvalues) of a symmetric PSD matrix (rounding negatives clipped). */
function traceOfSqrt(m: Float64Array, n: number): number {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = (m[i * n + j]! + m[j * n + i]!) / 2; // symmetrise away rounding
      m[i * n + j] = s;
      m[j * n + i] = s;
    }
  }
  let sum = 0;
  for (const lambda of symmetricEigen(m, n).values) sum += Math.sqrt(Math.max(lambda, 0));
  return sum;
}

/**
 * The Fréchet distance between the Gaussians fitted to two feature sets (each ≥ 2 samples of one dimension).
 * tr((Σa^½ Σb Σa^½)^½) is the sum of the square roots of the eigenvalues of Σa Σb. With fewer clips than feature
 * dimensions (200 clips, 384 features) it is computed in sample space: Σa Σb's non-zero eigenvalues are those of
 * C Cᵀ with C = Xa Xbᵀ / sqrt((na − 1)(nb − 1)) (X: centred samples), an na × na problem instead of two 384 × 384 ones.
 */
export function frechetDistance(a: Float64Array[], b: Float64Array[], space: 'auto' | 'samples' | 'features' = 'auto'): number {
  const ca = centred(a);
  const cb = centred(b);
  if (ca.dim !== cb.dim) throw new Error(`feature dimensions differ: ${ca.dim} and ${cb.dim}`);
  const dim = ca.dim;
  let meanTerm = 0;
  for (let i = 0; i < dim; i++) meanTerm += (ca.mean[i]! - cb.mean[i]!) ** 2;
  let trace = 0;
  for (const v of ca.x) trace += (v * v) / (ca.n - 1);
  for (const v of cb.x) trace += (v * v) / (cb.n - 1);
  let crossTrace: number;
  if (space === 'samples' || (space === 'auto' && Math.min(ca.n, cb.n) < dim)) {
    const [small, large] = ca.n <= cb.n ? [ca, cb] : [cb, ca];
    const norm = 1 / Math.sqrt((ca.n - 1) * (cb.n - 1));
    const c = new Float64Array(small.n * large.n); // small.n × large.n
    for (let i = 0; i < small.n; i++) {
      for (let j = 0; j < large.n; j++) {
        let dot = 0;
        for (let k = 0; k < dim; k++) dot += small.x[i * dim + k]! * large.x[j * dim + k]!;
        c[i * large.n + j] = dot * norm;
      }
    }
    const g = new Float64Array(small.n * small.n);
    for (let i = 0; i < small.n; i++) {
      for (let j = i; j < small.n; j++) {
        let dot = 0;
        for (let k = 0; k < large.n; k++) dot += c[i * large.n + k]! * c[j * large.n + k]!;
        g[i * small.n + j] = dot;
        g[j * small.n + i] = dot;
      }
    }
    crossTrace = traceOfSqrt(g, small.n);
  } else {
    const ga = gaussianOf(a);
    const gb = gaussianOf(b);
    const root = psdSqrt(ga.cov, dim);
    crossTrace = traceOfSqrt(multiply(multiply(root, gb.cov, dim), root, dim), dim);
  }
  return Math.max(meanTerm + trace - 2 * crossTrace, 0);
}

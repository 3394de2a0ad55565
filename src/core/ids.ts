/** Identifiers: a prefix and random hex, sortable by nothing but unique. */
import { randomFillSync } from 'node:crypto';

// Random bytes are drawn 4 KiB at a time: one getrandom call per ~340 ids instead of one per id (a measurable share
// of a create on a small VM). They stay unpredictable: the pool is filled by the same CSPRNG, and used once.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function take(n: number): Buffer {
  if (n > pool.length) return randomFillSync(Buffer.alloc(n));
  if (offset + n > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n)); // a copy: the offset moves past it, never back
  offset += n;
  return out;
}

export const newId = (prefix: string, bytes = 12): string => `${prefix}_${take(bytes).toString('hex')}`;

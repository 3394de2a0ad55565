/**
 * Zip archives with fflate (MIT). Videos are stored as they are (already compressed: deflating them costs CPU
 * for nothing); text is deflated. A fixed modification time keeps the same inputs → the same bytes.
 */
import { zipSync, type Zippable } from 'fflate';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const STORED = /\.(mp4|mov|webm|gif|png|jpe?g|webp|zip)$/i;

export function zipEntries(entries: readonly ZipEntry[], mtime = new Date('2020-01-01T00:00:00Z')): Uint8Array {
  const tree: Zippable = {};
  for (const e of entries) {
    if (e.name in tree) throw new Error(`two zip entries are named ${e.name}`);
    tree[e.name] = [e.data, { level: STORED.test(e.name) ? 0 : 6, mtime }];
  }
  return zipSync(tree);
}

/** Identifiers: a prefix and random hex, sortable by nothing but unique. */
import { randomBytes } from 'node:crypto';

export const newId = (prefix: string, bytes = 12): string => `${prefix}_${randomBytes(bytes).toString('hex')}`;

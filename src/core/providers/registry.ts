/**
 * Every kind of provider this build knows, one line each: adding a kind is its own file and a line here. Config
 * names instances of these kinds (`providers: [{ name, kind, … }]`, see instances.ts and docs/providers.md).
 */
import type { ProviderKind } from './kind.js';
import { builtinKind } from './builtin.js';
import { comfyuiKind } from './comfyui.js';
import { kineoKind } from './kineo.js';
import { klingKind } from './kling.js';
import { openaiKind } from './openai.js';
import { oracleKind } from './oracle.js';

export const providerKinds = {
  builtin: builtinKind,
  oracle: oracleKind,
  openai: openaiKind,
  kineo: kineoKind,
  comfyui: comfyuiKind,
  kling: klingKind,
} satisfies Record<string, ProviderKind>;

/** The definition of a kind named in config; undefined when this build has none. */
export function providerKind(kind: string): ProviderKind | undefined {
  return Object.hasOwn(providerKinds, kind) ? (providerKinds as Record<string, ProviderKind>)[kind] : undefined;
}

/**
 * ComfyUI workflows for the `comfyui` kind: a graph in ComfyUI's API format (`{ "<node id>": { class_type, inputs } }`,
 * what the editor's "Export (API)" writes) whose inputs hold placeholders. A value that is exactly one placeholder
 * ("{{seed}}") becomes the typed value (a number stays a number); a placeholder inside a longer string is replaced
 * as text ("kineo/{{task}}"). Which placeholders a graph holds says what it can do: `{{image}}` makes it an
 * image-to-video graph, `{{last_image}}` a first-and-last-frame one.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const PLACEHOLDERS = [
  'prompt', 'negative', 'seed', 'steps', 'cfg', 'width', 'height', 'frames', 'length', 'fps', 'seconds', 'image', 'last_image', 'task',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Partial<Record<Placeholder, string | number>>;

export interface WorkflowNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}
export type Workflow = Record<string, WorkflowNode>;

export interface LoadedWorkflow {
  /** Where it came from (a path, or "inline"), for error messages. */
  source: string;
  graph: Workflow;
  /** The placeholders it holds. */
  uses: Set<Placeholder>;
}

const PATTERN = /\{\{\s*([a-z_]+)\s*\}\}/g;
const WHOLE = /^\{\{\s*([a-z_]+)\s*\}\}$/;

function placeholdersIn(value: unknown, found: Set<string>): void {
  if (typeof value === 'string') for (const m of value.matchAll(PATTERN)) found.add(m[1]!);
  else if (Array.isArray(value)) value.forEach((v) => placeholdersIn(v, found));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => placeholdersIn(v, found));
}

/** Reads and checks a workflow (a path, relative to the working directory, or the graph itself); throws a sentence. */
export function loadWorkflow(spec: string | Record<string, unknown>): LoadedWorkflow {
  const source = typeof spec === 'string' ? resolve(spec) : 'inline';
  let graph: unknown = spec;
  if (typeof spec === 'string') {
    try {
      graph = JSON.parse(readFileSync(source, 'utf8'));
    } catch (err) {
      throw new Error(`the workflow ${source} could not be read as JSON (${(err as Error).message})`);
    }
  }
  if (!graph || typeof graph !== 'object' || Array.isArray(graph)) throw new Error(`the workflow ${source} is not a JSON object`);
  const g = graph as Record<string, unknown>;
  if (Array.isArray(g.nodes) && Array.isArray(g.links)) {
    throw new Error(`the workflow ${source} is in the editor's save format; export it with "Export (API)" (ComfyUI's API format)`);
  }
  for (const [id, node] of Object.entries(g)) {
    const n = node as Partial<WorkflowNode> | null;
    if (!n || typeof n !== 'object' || typeof n.class_type !== 'string' || !n.inputs || typeof n.inputs !== 'object') {
      throw new Error(`the workflow ${source}: node "${id}" needs a class_type and inputs (ComfyUI's API format)`);
    }
  }
  const found = new Set<string>();
  placeholdersIn(g, found);
  const unknown = [...found].filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`the workflow ${source} has unknown placeholders ${unknown.map((p) => `{{${p}}}`).join(', ')}; known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`);
  if (!found.has('prompt')) throw new Error(`the workflow ${source} has no {{prompt}} placeholder: requests' prompts would be ignored`);
  return { source, graph: g as Workflow, uses: found as Set<Placeholder> };
}

function substitute(value: unknown, values: PlaceholderValues): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return values[whole[1] as Placeholder] ?? '';
    return value.replace(PATTERN, (_, name: string) => String(values[name as Placeholder] ?? ''));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, values));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, values)]));
  return value;
}

/** The graph with its placeholders filled (a copy; the loaded one is reused by every job). */
export function fillWorkflow(workflow: LoadedWorkflow, values: PlaceholderValues): Workflow {
  return substitute(workflow.graph, values) as Workflow;
}

/** A file ComfyUI wrote, as /history lists it and /view serves it. */
export interface ComfyFile {
  filename: string;
  subfolder: string;
  type: string;
}

const VIDEO_PREFERENCE = ['.mp4', '.mov', '.webm', '.mkv', '.gif', '.webp'];

/**
 * The video among a finished prompt's outputs. Nodes list their files under different keys (SaveVideo's preview
 * under `images` with `animated`, VideoHelperSuite under `gifs`, others under `videos`), so every list of
 * `{filename, subfolder, type}` is looked at; an MP4 is preferred, then the other containers ffmpeg reads.
 * `node` restricts the search to one output node.
 */
export function videoOutput(outputs: Record<string, Record<string, unknown>>, node?: string): ComfyFile | undefined {
  const files: ComfyFile[] = [];
  for (const [id, out] of Object.entries(outputs ?? {})) {
    if (node && id !== node) continue;
    for (const list of Object.values(out ?? {})) {
      if (!Array.isArray(list)) continue;
      for (const f of list as Partial<ComfyFile>[]) {
        if (f && typeof f.filename === 'string') files.push({ filename: f.filename, subfolder: f.subfolder ?? '', type: f.type ?? 'output' });
      }
    }
  }
  const rank = (f: ComfyFile) => {
    const i = VIDEO_PREFERENCE.findIndex((ext) => f.filename.toLowerCase().endsWith(ext));
    return i < 0 ? Infinity : i + (f.type === 'output' ? 0 : 0.5);
  };
  const best = files.filter((f) => rank(f) < Infinity).sort((a, b) => rank(a) - rank(b))[0];
  return best;
}

/**
 * Live progress in memory: the worker publishes complete snapshots (already throttled to ≤ 5 per second) and SSE
 * streams subscribe. The database keeps the same snapshot without the preview, so a poll or a restart loses nothing
 * but the picture.
 */
import { EventEmitter } from 'node:events';

export interface ProgressSnapshot {
  id: string;
  status: string;
  progress: number;
  step: number | null;
  of: number | null;
  phase: string | null;
  elapsed_ms: number | null;
  /** A small PNG of the current estimate, as a data URL. */
  preview: string | null;
  updated_at: number;
}

const FORWARD = Symbol('forward');

export class ProgressBus {
  private readonly emitter = new EventEmitter();
  private readonly last = new Map<string, ProgressSnapshot>();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** `local`: a snapshot relayed from another process, not to be forwarded again. */
  publish(snapshot: ProgressSnapshot, options: { local?: boolean } = {}): void {
    if (['succeeded', 'failed', 'cancelled'].includes(snapshot.status)) this.last.delete(snapshot.id);
    else this.last.set(snapshot.id, snapshot);
    this.emitter.emit(snapshot.id, snapshot);
    if (!options.local) this.emitter.emit(FORWARD, snapshot);
  }

  /** Every snapshot published here (scale-out: a worker forwards them to the servers). */
  onPublish(listener: (s: ProgressSnapshot) => void): () => void {
    this.emitter.on(FORWARD, listener);
    return () => this.emitter.off(FORWARD, listener);
  }

  latest(taskId: string): ProgressSnapshot | undefined {
    return this.last.get(taskId);
  }

  /** Ends every live stream (graceful shutdown: open SSE responses would otherwise hold the server open). */
  shutdown(): void {
    this.emitter.emit('shutdown');
  }

  onShutdown(listener: () => void): () => void {
    this.emitter.on('shutdown', listener);
    return () => this.emitter.off('shutdown', listener);
  }

  subscribe(taskId: string, listener: (s: ProgressSnapshot) => void): () => void {
    this.emitter.on(taskId, listener);
    return () => this.emitter.off(taskId, listener);
  }
}

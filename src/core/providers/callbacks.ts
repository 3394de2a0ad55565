/**
 * Calls back from remote providers. When the server has a public URL (config publicUrl), a running task gets a
 * callback URL of its own — /callbacks/tasks/{task id}/{token}, the token an HMAC of the task id under the server
 * key, so nobody can make one for a task they did not start — that a provider hands to its remote (Kling's
 * `callback_url`). A call to it only wakes the provider's poll: the provider asks the remote at once instead of at
 * its next backoff, so the task finishes as soon as the remote has finished; polling stays as the fallback, and
 * what the callback's body claims is never believed (a replayed or stale call costs one extra poll at most).
 *
 * The poll runs where the task runs: in this process (embedded), or in a `kineo worker` (scale-out), which the
 * server reaches over the cluster bus (it calls notify() there).
 */
import type { ServerKey } from '../repositories/server-key.js';
import type { ProviderCallback } from './provider.js';

const PURPOSE = 'provider-callback:';

interface Waiting {
  /** A callback came since the last sleep began (it must not be lost between two polls). */
  pending: boolean;
  wake?: () => void;
}

export class ProviderCallbacks {
  private readonly waiting = new Map<string, Waiting>();
  private readonly base?: string;

  constructor(private readonly serverKey: ServerKey, publicUrl?: string) {
    this.base = publicUrl?.replace(/\/+$/, '');
  }

  /** The path of a task's callback, token included. */
  path(taskId: string): string {
    return `/callbacks/tasks/${encodeURIComponent(taskId)}/${this.serverKey.sign(PURPOSE + taskId)}`;
  }

  /** Whether a token is the one this server made for the task. */
  verify(taskId: string, token: string): boolean {
    return this.serverKey.verify(PURPOSE + taskId, token);
  }

  /** A running task's callback; undefined when the server has no public URL (the remote could not reach it). */
  open(taskId: string): (ProviderCallback & { close(): void }) | undefined {
    if (!this.base) return undefined;
    const entry: Waiting = { pending: false };
    this.waiting.set(taskId, entry);
    return {
      url: this.base + this.path(taskId),
      sleep: async (ms, signal) => {
        if (!entry.pending && !signal.aborted) {
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              signal.removeEventListener('abort', done);
              entry.wake = undefined;
              resolve();
            };
            const timer = setTimeout(done, ms);
            signal.addEventListener('abort', done, { once: true });
            entry.wake = done;
          });
        }
        entry.pending = false;
      },
      close: () => {
        if (this.waiting.get(taskId) === entry) this.waiting.delete(taskId);
      },
    };
  }

  /** A callback for a task came: its poll, if it runs in this process, happens now. */
  notify(taskId: string): void {
    const entry = this.waiting.get(taskId);
    if (!entry) return;
    entry.pending = true;
    entry.wake?.();
  }
}

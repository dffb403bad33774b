/**
 * Work queue with per-key ordering and a global concurrency limit: tasks with the same key run
 * strictly one after another in submission order; different keys run in parallel, at most
 * `concurrency` at a time. A task that throws never stops its key or the queue.
 *
 * @module
 */

/** A unit of queued work. */
export type Task = () => Promise<void>;

/** Per-key FIFO with bounded parallelism. */
export class KeyedQueue {
  readonly #concurrency: number;
  readonly #queues = new Map<string, Task[]>();
  readonly #ready: string[] = [];
  readonly #running = new Set<string>();
  #idleWaiters: Array<() => void> = [];
  #size = 0;
  readonly #onError: (err: unknown, key: string) => void;

  constructor(concurrency: number, onError: (err: unknown, key: string) => void = () => {}) {
    if (!(concurrency >= 1)) throw new RangeError(`Concurrency must be >= 1, got ${concurrency}`);
    this.#concurrency = concurrency;
    this.#onError = onError;
  }

  /** Queue `task` behind earlier tasks of `key`. */
  push(key: string, task: Task): void {
    let q = this.#queues.get(key);
    if (!q) {
      q = [];
      this.#queues.set(key, q);
    }
    q.push(task);
    this.#size++;
    if (q.length === 1 && !this.#running.has(key)) this.#ready.push(key);
    this.#pump();
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.#size;
  }

  /** Keys currently running. */
  get active(): number {
    return this.#running.size;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.#size === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  #pump(): void {
    while (this.#running.size < this.#concurrency && this.#ready.length > 0) {
      const key = this.#ready.shift()!;
      const q = this.#queues.get(key);
      const task = q?.shift();
      if (!task) continue;
      this.#running.add(key);
      this.#run(key, task);
    }
  }

  async #run(key: string, task: Task): Promise<void> {
    try {
      await task();
    } catch (err) {
      try {
        this.#onError(err, key);
      } catch { /* never let reporting break the queue */ }
    } finally {
      this.#running.delete(key);
      this.#size--;
      const q = this.#queues.get(key);
      if (q && q.length > 0) this.#ready.push(key);
      else this.#queues.delete(key);
      this.#pump();
      if (this.#size === 0) {
        const w = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const r of w) r();
      }
    }
  }
}

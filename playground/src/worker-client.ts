/**
 * The page's side of the cell worker. One request runs at a time: a new one, or Stop, ends the
 * one before it. When the worker says nothing for the time limit (a cell that loops forever, a
 * step that takes too long), it is terminated and a fresh one started, so the page never waits
 * on it: that is what keeps the page responsive whatever the cell does.
 */
import type { Analysis, CellError, Comparison, Reply, Request, TrainProgress, TrainSummary } from "./protocol.js";

/** Seconds the worker may stay silent before it is stopped. */
export const TIME_LIMIT_SECONDS = 5;

/** A request that did not finish: stopped, superseded, timed out, or failed in the cell. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(readonly error: CellError) {
    super(error.message);
  }
}

/** A request without its id (the client numbers them). */
type Ask = Request extends infer R ? (R extends Request ? Omit<R, "id"> : never) : never;

/** What Train runs: the task, the algorithm and the epochs. */
export type TrainOptions = Pick<Extract<Request, { kind: "train" }>, "task" | "algorithm" | "epochs">;

interface Pending {
  readonly id: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: RequestError) => void;
  readonly onProgress: ((progress: TrainProgress) => void) | undefined;
}

/** The cell worker, restarted whenever it has to be stopped. */
export class CellWorker {
  private worker: Worker = this.start();
  private pending: Pending | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private nextId = 1;

  /** Called when a request starts or ends, with whether one is running (for the Stop button). */
  onBusyChange: (busy: boolean) => void = () => {};

  private start(): Worker {
    const worker = new Worker(new URL("./worker/cell-worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<Reply>) => this.receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.finish((p) => p.reject(new RequestError({ message: `the worker failed: ${event.message}`, line: null, column: null })));
    };
    return worker;
  }

  private armWatchdog(): void {
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(
      () => this.restart(`no answer within the time limit of ${TIME_LIMIT_SECONDS} s (an endless loop, or a cell too slow): the worker was stopped and restarted`),
      TIME_LIMIT_SECONDS * 1000,
    );
  }

  private receive(reply: Reply): void {
    const p = this.pending;
    if (p === null || reply.id !== p.id) return;
    this.armWatchdog();
    if (reply.kind === "progress") p.onProgress?.(reply.progress);
    else if (reply.kind === "done") this.finish((q) => q.resolve(reply.result));
    else this.finish((q) => q.reject(new RequestError(reply.error)));
  }

  private finish(settle: (p: Pending) => void): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdog = null;
    settle(p);
    this.onBusyChange(false);
  }

  /** Terminates the worker (ending the running request with `why`) and starts a fresh one. */
  restart(why: string): void {
    this.worker.terminate();
    this.worker = this.start();
    this.finish((p) => p.reject(new RequestError({ message: why, line: null, column: null })));
  }

  private ask<T>(request: Ask, onProgress?: (progress: TrainProgress) => void): Promise<T> {
    if (this.pending !== null) this.restart("replaced by a newer request");
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending = { id, resolve: resolve as (value: unknown) => void, reject, onProgress };
      this.onBusyChange(true);
      this.armWatchdog();
      this.worker.postMessage({ ...request, id } as Request);
    });
  }

  analyze(source: string): Promise<Analysis> {
    return this.ask({ kind: "analyze", source });
  }

  compare(source: string, layers: number): Promise<Comparison> {
    return this.ask({ kind: "compare", source, layers });
  }

  train(source: string, options: TrainOptions, onProgress: (progress: TrainProgress) => void): Promise<TrainSummary> {
    return this.ask({ kind: "train", source, ...options }, onProgress);
  }
}

/**
 * Training progress on stderr: a live bar (epoch, sequences, running loss) on a terminal, plain
 * lines otherwise; a summary line per epoch either way.
 *
 * @module
 */
import cliProgress from "cli-progress";
import type { EpochMetrics, TrainProgress } from "@ostl/models";

/**
 * Receives training events and shows them.
 *
 * @example
 * ```ts
 * import { type ProgressReporter, progressReporter } from "@ostl/cli";
 * import { PassThrough } from "node:stream";
 * const stream = new PassThrough();
 * const report: ProgressReporter = progressReporter(stream, false);
 * report.note("starting");
 * report.epoch({ epoch: 1, train: 1.25, valid: 1, test: 1, seconds: 2 }, 30, { trainSeconds: 1.5, evalSeconds: 0.5 });
 * report.stop();
 * console.log(String(stream.read()));
 * // starting
 * // epoch 1/30  train 1.2500  valid 1.0000  test 1.0000  (2.0 s: train 1.5 s, eval 0.5 s)
 * ```
 */
export interface ProgressReporter {
  update(progress: TrainProgress): void;
  epoch(metrics: EpochMetrics, epochs: number, timing: { trainSeconds: number; evalSeconds: number }): void;
  /** Prints a message on its own line. */
  note(message: string): void;
  stop(): void;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));

/** The summary line of an epoch. */
function epochLine(m: EpochMetrics, epochs: number, timing: { trainSeconds: number; evalSeconds: number }): string {
  const accuracy = m.validAccuracy === undefined ? "" : `  frame accuracy valid ${fmt(m.validAccuracy)}  test ${fmt(m.testAccuracy!)}`;
  return `epoch ${m.epoch}/${epochs}  train ${fmt(m.train)}  valid ${fmt(m.valid)}  test ${fmt(m.test)}${accuracy}  (${m.seconds.toFixed(1)} s: train ${timing.trainSeconds.toFixed(1)} s, eval ${timing.evalSeconds.toFixed(1)} s)`;
}

/** Seconds as the bar shows them: `42s`, `3m 05s`, `1h 02m`. */
function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "-";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * Estimates of the time left in the epoch and in the run, from the training sequences done so far
 * and the time they took since the first update (the evaluation after each epoch is left out).
 *
 * @example
 * ```ts
 * import { runEta } from "@ostl/cli";
 * let now = 0;
 * const eta = runEta(() => now);
 * eta({ epoch: 1, epochs: 3, sequence: 0, sequences: 10, runningLoss: 1 });
 * now = 5000; // 5 s for 5 sequences: 1 s each
 * console.log(eta({ epoch: 1, epochs: 3, sequence: 5, sequences: 10, runningLoss: 1 })); // { epoch: "5s", run: "25s" }
 * ```
 */
export function runEta(clockMs: () => number = () => performance.now()): (p: TrainProgress) => { epoch: string; run: string } {
  let start: { at: number; done: number } | null = null;
  return (p) => {
    const done = (p.epoch - 1) * p.sequences + p.sequence;
    start ??= { at: clockMs(), done };
    const perSequence = done > start.done ? (clockMs() - start.at) / 1000 / (done - start.done) : NaN;
    return { epoch: clock(perSequence * (p.sequences - p.sequence)), run: clock(perSequence * (p.epochs * p.sequences - done)) };
  };
}

/**
 * A reporter writing to `stream`: a cli-progress bar when `tty`, with the estimated time left in
 * the epoch and in the run ({@link runEta}), else a plain line at every quarter of an epoch.
 *
 * @example
 * ```ts
 * import { progressReporter } from "@ostl/cli";
 * import { PassThrough } from "node:stream";
 * const stream = new PassThrough();
 * const report = progressReporter(stream, false); // not a terminal: a line at every quarter of an epoch
 * for (let s = 1; s <= 20; s++) report.update({ epoch: 1, epochs: 2, sequence: s, sequences: 20, runningLoss: 0.7 });
 * report.stop();
 * console.log(String(stream.read()).trimEnd());
 * // epoch 1/2  sequence 1/20  loss 0.7000
 * // epoch 1/2  sequence 5/20  loss 0.7000
 * // epoch 1/2  sequence 10/20  loss 0.7000
 * // epoch 1/2  sequence 15/20  loss 0.7000
 * ```
 */
export function progressReporter(stream: NodeJS.WritableStream, tty: boolean): ProgressReporter {
  if (!tty) {
    let quarter = -1;
    return {
      update(p) {
        const q = Math.floor((4 * p.sequence) / p.sequences);
        if (q === quarter || q >= 4) return;
        quarter = q;
        stream.write(`epoch ${p.epoch}/${p.epochs}  sequence ${p.sequence}/${p.sequences}  loss ${fmt(p.runningLoss)}\n`);
      },
      epoch(m, epochs, timing) {
        quarter = -1;
        stream.write(`${epochLine(m, epochs, timing)}\n`);
      },
      note: (message) => void stream.write(`${message}\n`),
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { stream, format: "epoch {epoch}/{epochs} |{bar}| {value}/{total} sequences | loss {loss} | {duration_formatted} | ETA epoch {epochEta}, run {runEta}", hideCursor: true, clearOnComplete: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  const eta = runEta();
  const pause = () => {
    if (running) bar.stop();
    running = false;
  };
  return {
    update(p) {
      const { epoch: epochEta, run } = eta(p);
      const payload = { epoch: p.epoch, epochs: p.epochs, loss: fmt(p.runningLoss), epochEta, runEta: run };
      if (!running) {
        bar.start(p.sequences, p.sequence, payload);
        running = true;
      } else bar.update(p.sequence, payload);
    },
    epoch(m, epochs, timing) {
      pause();
      stream.write(`${epochLine(m, epochs, timing)}\n`);
    },
    note(message) {
      pause();
      stream.write(`${message}\n`);
    },
    stop: pause,
  };
}

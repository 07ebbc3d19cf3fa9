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
  return `epoch ${m.epoch}/${epochs}  train ${fmt(m.train)}  valid ${fmt(m.valid)}  test ${fmt(m.test)}  (${m.seconds.toFixed(1)} s: train ${timing.trainSeconds.toFixed(1)} s, eval ${timing.evalSeconds.toFixed(1)} s)`;
}

/**
 * A reporter writing to `stream`: a cli-progress bar when `tty`, else a plain line at every
 * quarter of an epoch.
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
    { stream, format: "epoch {epoch}/{epochs} |{bar}| {value}/{total} sequences | loss {loss} | {duration_formatted}", hideCursor: true, clearOnComplete: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  const pause = () => {
    if (running) bar.stop();
    running = false;
  };
  return {
    update(p) {
      const payload = { epoch: p.epoch, epochs: p.epochs, loss: fmt(p.runningLoss) };
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

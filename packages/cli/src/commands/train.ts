import { PRNG, ValueError } from "@ostl/core";
import { treeFloats } from "@ostl/ostl";
import {
  adding,
  cellByName,
  copyTask,
  type Dataset,
  datasetNetwork,
  type EpochMetrics,
  optimizerByName,
  train,
} from "@ostl/models";
import { type Command, UsageError } from "../command.js";
import { parseTrainConfig, type TrainConfig } from "../training/config.js";
import { jsbDataPath, readJsbDataset } from "../training/jsb-data.js";
import { renderLossCurve } from "../training/loss-curve.js";
import { progressReporter } from "../training/progress.js";
import { defaultRunPath, RunFolder } from "../training/run-folder.js";

/**
 * The one JSON object `ostl train --json` prints.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readFileSync } from "node:fs";
 * import { parseTrainConfig, runTrain, type TrainReport } from "@ostl/cli";
 * const out = join(mkdtempSync(join(tmpdir(), "run-")), "copy");
 * await runTrain(parseTrainConfig(["--task", "copy", "--cell", "rnn", "--hidden", "4", "--epochs", "2", "--examples", "8,2,2", "--out", out]));
 * // with --json the object is printed on stdout; metrics.json holds it too, with the run's status and timings
 * const report: TrainReport = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
 * console.log(report.schema, report.config.cell, report.history.map((m) => m.epoch)); // ostl-train/1 rnn [1, 2]
 * ```
 */
export interface TrainReport {
  schema: "ostl-train/1";
  config: TrainConfig;
  history: EpochMetrics[];
}

/** Exit status of a run stopped by Ctrl-C (128 + SIGINT). */
const INTERRUPTED = 130;

function loadData(config: TrainConfig): { data: Dataset; file: string | null } {
  if (config.task === "jsb") {
    const source = jsbDataPath(config.data ?? undefined);
    return { data: readJsbDataset(source), file: source.path };
  }
  const options = { ...config.taskOptions, seed: config.seed } as never;
  try {
    return { data: config.task === "copy" ? copyTask(options) : adding(options), file: null };
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message.replace(/option '(\w+)'/, "--$1"));
    throw error;
  }
}

const CELL_FLAGS: Record<string, string> = { recurrent: "--recurrent", trainableDecay: "--trainable-decay", decay: "--decay", threshold: "--threshold", activation: "--activation", variant: "--variant" };

function buildCell(config: TrainConfig) {
  try {
    return cellByName(config.cell, config.cellOptions);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    const unknown = error.message.match(/unknown option '(\w+)'/);
    if (unknown) throw new UsageError(`${CELL_FLAGS[unknown[1]!] ?? unknown[1]} does not apply to --cell ${config.cell}`);
    throw new UsageError(error.message);
  }
}

/**
 * Runs `ostl train` with parsed flags: loads or generates the data, trains, and keeps the run
 * folder up to date after every epoch (metrics.json, loss-curve.svg). Ctrl-C stops after the
 * current sequence, keeps what was written and returns 130.
 *
 * @example
 * ```ts
 * import { parseTrainConfig, runTrain } from "@ostl/cli";
 * import { mkdtempSync, readdirSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const out = join(mkdtempSync(join(tmpdir(), "run-")), "copy-rnn");
 * // progress and the epoch lines go to stderr
 * const code = await runTrain(parseTrainConfig(["--task", "copy", "--cell", "rnn", "--epochs", "1", "--examples", "16,4,4", "--out", out]));
 * console.log(code, readdirSync(out).sort()); // 0 ["config.json", "loss-curve.svg", "metrics.json"]
 * ```
 */
export async function runTrain(config: TrainConfig): Promise<number> {
  const { data, file } = loadData(config);
  const cell = buildCell(config);
  const network = datasetNetwork(data, cell, config.hidden, config.layers);
  const root = new PRNG(config.seed);
  const params = network.init(root.split());
  const shuffle = root.split();
  const optimizer = optimizerByName(config.optimizer, { learningRate: config.lr, ...(config.momentum === null ? {} : { momentum: config.momentum }) });
  const run = new RunFolder(config.out ?? defaultRunPath(`${config.task}-${config.cell}-${config.algorithm}`));
  const title = `${config.task} · ${cell.name} ${config.hidden}${config.layers > 1 ? ` x ${config.layers}` : ""} · ${config.algorithm} · ${config.optimizer} lr ${config.lr}`;
  const history: EpochMetrics[] = [];
  const details = { metric: data.metric, dataFile: file, parameters: treeFloats(params), timing: [] as { epoch: number; trainSeconds: number; evalSeconds: number }[] };
  const writeMetrics = (status: "running" | "done" | "interrupted") => run.writeJson("metrics.json", { schema: "ostl-train/1", config, history, status, ...details });
  run.writeJson("config.json", config);
  writeMetrics("running");

  const report = progressReporter(process.stderr, process.stderr.isTTY === true);
  report.note(`ostl train: ${title}; ${details.parameters} parameters; run folder ${run.path}`);
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(INTERRUPTED);
    interrupted = true;
    report.note("interrupted: stopping after the current sequence (Ctrl-C again to quit now)");
  };
  process.on("SIGINT", onSigint);
  try {
    await train(network, params, data, {
      algorithm: config.algorithm,
      optimizer,
      epochs: config.epochs,
      updateEvery: config.updateEvery,
      batchSize: config.batch,
      ...(config.clip === null ? {} : { clipNorm: config.clip }),
      ...(config.approximation === null ? {} : { ostl: { approximation: config.approximation } }),
      shuffle,
    }, {
      onProgress: (p) => report.update(p),
      onEpoch: async (m, _params, timing) => {
        history.push(m);
        details.timing.push({ epoch: m.epoch, ...timing });
        writeMetrics("running");
        run.writeText("loss-curve.svg", await renderLossCurve(history, title, data.metric));
        report.epoch(m, config.epochs, timing);
      },
      shouldStop: () => interrupted,
    });
  } finally {
    process.off("SIGINT", onSigint);
    report.stop();
  }
  writeMetrics(interrupted ? "interrupted" : "done");
  report.note(`${interrupted ? "interrupted after" : "done:"} ${history.length} epoch${history.length === 1 ? "" : "s"}; wrote ${run.path}/metrics.json, config.json${history.length > 0 ? ", loss-curve.svg" : ""}`);
  if (config.json) {
    const out: TrainReport = { schema: "ostl-train/1", config, history };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
  return interrupted ? INTERRUPTED : 0;
}

const usage = `usage: ostl train --task jsb|copy|adding --cell NAME [options]

Trains a network by BPTT, RTRL or OSTL and reports the per-step loss on train, valid and test
after every epoch (JSB: the frame-level NLL per time step). Progress goes to stderr; the run
folder gets config.json, metrics.json (rewritten after every epoch) and loss-curve.svg.
Ctrl-C stops after the current sequence and keeps what was written (exit status 130).

model
  --cell NAME          rnn, lstm, gru, snu or ssnu
  --hidden N           units per layer (default 150 for jsb, 32 otherwise)
  --layers L           stacked layers (default 1)
  --recurrent          SNU family: add the recurrent matrix H (default: none)
  --decay X            SNU family: membrane decay (default 0.8, fixed)
  --trainable-decay    SNU family: make the decay a parameter
  --threshold X        SNU family: initial threshold, b = -X (default 1)
  --activation G       SNU family: identity (default), relu or leakyRelu
  --variant V          gru: reset-after (default) or reset-before
training
  --algo A             bptt, rtrl or ostl (default ostl)
  --approximation diagonal   ostl: diagonal approximation of dense temporal Jacobians
  --optimizer O        adam (default) or sgd
  --lr X               learning rate (default 1e-3)
  --momentum X         sgd momentum (default 0)
  --clip X             clip gradients to global L2 norm X
  --epochs E           epochs (default 30 for jsb, 10 otherwise)
  --update-every K     update every K steps, or 'sequence' (default): the loss is averaged
                       over the scored steps of each update
  --batch B            sequences per batch, padded and masked (default 1)
  --seed S             seed of the initialisation, the shuffling and the synthetic data (default 1)
data
  --task T             jsb (JSB Chorales), copy (delayed recall) or adding
  --data PATH          jsb: the JSB Chorales JSON file (or a folder holding
                       jsb-chorales-quarter.json); default $OSTL_DATA, then the cache of
                       'ostl data fetch jsb'
  --symbols K --length L --delay D    copy: alphabet, symbols to recall, delay (4, 3, 5)
  --length T           adding: sequence length (default 50)
  --examples A,B,C     copy, adding: train, valid, test examples (default 1000,100,100)
output
  --out DIR            run folder (default runs/<task>-<cell>-<algo>-<time>)
  --json               print one JSON object on stdout:
                       {"schema": "ostl-train/1", "config": {...}, "history": [{"epoch", "train", "valid", "test", "seconds"}, ...]}

Exit status: 0 done, 2 bad flags or data, 130 interrupted.`;

/**
 * `ostl train`: training on JSB Chorales or a synthetic task with any gradient algorithm.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readFileSync } from "node:fs";
 * import { trainCommand } from "@ostl/cli";
 * const out = join(mkdtempSync(join(tmpdir(), "run-")), "adding");
 * console.log(await trainCommand.run(["--task", "adding", "--length", "6", "--examples", "8,2,2", "--cell", "ssnu", "--hidden", "4", "--epochs", "1", "--algo", "bptt", "--out", out])); // 0
 * const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
 * console.log(metrics.status, metrics.history.length, metrics.config.algorithm); // done 1 bptt
 * ```
 */
export const trainCommand: Command = {
  name: "train",
  summary: "train on JSB Chorales or a synthetic task by BPTT, RTRL or OSTL",
  usage,
  run: (argv) => runTrain(parseTrainConfig(argv)),
};

import { PRNG, ValueError } from "@ostl/core";
import { type Cell, type Network, type NetworkParams, treeFloats } from "@ostl/ostl";
import {
  cellByName,
  type Dataset,
  datasetNetwork,
  type EpochMetrics,
  type Optimizer,
  optimizerByName,
  train,
  TrainingDivergedError,
} from "@ostl/models";
import { numberFlag, parseFlags } from "../args.js";
import { type Command, UsageError } from "../command.js";
import { algorithmList, joinWords, OSTL_APPROXIMATION_DESCRIPTION, OSTL_APPROXIMATIONS } from "../algorithm-names.js";
import { BUILT_IN_CELLS, builtInCellsHelp } from "../load-cell.js";
import { checkOutputFolder } from "../output-folder.js";
import { readRunCheckpoint, type RunCheckpoint, writeRunCheckpoint } from "../training/checkpoint-file.js";
import { parseTrainConfig, type TrainConfig } from "../training/config.js";
import { loadTaskData } from "../training/task-data.js";
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

/** Exit statuses of a run stopped by a signal: 128 + the signal's number. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT;

/** Exit status of a run stopped by a NaN or infinite loss, gradient or parameter. */
const DIVERGED = 3;

const CELL_FLAGS: Record<string, string> = { recurrent: "--recurrent", trainableDecay: "--trainable-decay", decay: "--decay", threshold: "--threshold", activation: "--activation", variant: "--variant" };

/**
 * The cell of a run's configuration, its options' errors as usage errors naming the flag.
 *
 * @throws {@link UsageError} for a cell option that does not apply to the cell, or a bad value.
 * @example
 * ```ts
 * import { buildCell, parseTrainConfig } from "@ostl/cli";
 * console.log(buildCell(parseTrainConfig(["--task", "copy", "--cell", "snu", "--recurrent"])).name); // rsnu
 * try {
 *   buildCell(parseTrainConfig(["--task", "copy", "--cell", "lstm", "--recurrent"]));
 * } catch (e) {
 *   console.log((e as Error).message); // --recurrent does not apply to --cell lstm
 * }
 * ```
 */
export function buildCell(config: TrainConfig): Cell {
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
 * Runs `ostl train` with parsed flags: loads or generates the data, claims the run folder (see
 * {@link RunFolder}), trains, and keeps the folder up to date after every epoch (metrics.json,
 * loss-curve.svg). SIGINT (Ctrl-C) or SIGTERM stops after the current sequence, keeps what was
 * written and returns 130 or 143; a NaN or infinite loss, gradient or parameter stops the run
 * with status `diverged` and returns 3.
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
 * console.log(code, readdirSync(out).sort()); // 0 ["checkpoint.json", "config.json", "loss-curve.svg", "metrics.json"]
 * // a diverging run: status 3, metrics.json says so
 * const diverging = await runTrain(parseTrainConfig(["--task", "copy", "--cell", "rnn", "--examples", "16,4,4", "--optimizer", "sgd", "--lr", "1e308", "--out", out, "--overwrite"]));
 * console.log(diverging); // 3
 * ```
 */
export async function runTrain(config: TrainConfig): Promise<number> {
  const runPath = config.out ?? defaultRunPath(`${config.task}-${config.cell}-${config.algorithm}`);
  checkOutputFolder("--out", runPath);
  const { data, file } = loadTaskData(config.task, config.taskOptions, config.seed, config.data);
  const cell = buildCell(config);
  const network = datasetNetwork(data, cell, config.hidden, config.layers);
  const root = new PRNG(config.seed);
  const params = network.init(root.split());
  const shuffle = root.split();
  const run = new RunFolder(runPath, { overwrite: config.overwrite });
  try {
    return await trainInto(run, config, { data, file, network, params, shuffle, optimizer: makeOptimizer(config), cellName: cell.name, resumed: null });
  } finally {
    run.close();
  }
}

function makeOptimizer(config: TrainConfig): Optimizer {
  return optimizerByName(config.optimizer, { learningRate: config.lr, ...(config.momentum === null ? {} : { momentum: config.momentum }) });
}

/**
 * Continues the run in `folder` from its checkpoint (the last finished epoch) up to its
 * configured epochs, or to `epochs` when given: the params, the optimizer's state and the
 * generator that shuffles the data are restored, so the epochs that follow are, to the bit,
 * those of an uninterrupted run (the wall-clock seconds aside). The folder's files are kept and
 * updated as the run goes on.
 *
 * @throws {@link UsageError} when the folder has no checkpoint, is held by a live run, or the run
 *   has already finished the epochs asked for.
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { parseTrainConfig, resumeTrain, runTrain } from "@ostl/cli";
 * const flags = ["--task", "copy", "--cell", "rnn", "--hidden", "4", "--examples", "8,2,2", "--epochs", "3"];
 * const base = mkdtempSync(join(tmpdir(), "resume-"));
 * await runTrain(parseTrainConfig([...flags, "--out", join(base, "whole")]));
 * // a run stopped after its first epoch, resumed
 * await runTrain(parseTrainConfig([...flags, "--epochs", "1", "--out", join(base, "resumed")]));
 * await resumeTrain(join(base, "resumed"), { epochs: 3 });
 * const tests = (run: string) => JSON.parse(readFileSync(join(base, run, "metrics.json"), "utf8")).history.map((m: { test: number }) => m.test);
 * console.log(tests("resumed").length, tests("resumed").every((x: number, i: number) => x === tests("whole")[i])); // 3 true
 * ```
 */
export async function resumeTrain(folder: string, options: { readonly epochs?: number; readonly json?: boolean } = {}): Promise<number> {
  const saved = readRunCheckpoint(folder);
  const config: TrainConfig = { ...saved.config, epochs: options.epochs ?? saved.config.epochs, json: options.json ?? false, out: folder, overwrite: false };
  const done = saved.checkpoint.epoch;
  if (done >= config.epochs) throw new UsageError(`--resume ${folder}: the run has finished ${done} of ${config.epochs} epochs; pass --epochs E with E > ${done} to train on`);
  const { data, file } = loadTaskData(config.task, config.taskOptions, config.seed, config.data);
  const cell = buildCell(config);
  const network = datasetNetwork(data, cell, config.hidden, config.layers);
  const optimizer = makeOptimizer(config);
  optimizer.loadState(saved.checkpoint.optimizer);
  const shuffle = PRNG.fromState(saved.checkpoint.shuffle ?? new PRNG(config.seed).getState());
  const run = new RunFolder(folder, { resume: true });
  try {
    return await trainInto(run, config, { data, file, network, params: saved.checkpoint.params, shuffle, optimizer, cellName: cell.name, resumed: saved });
  } finally {
    run.close();
  }
}

type RunStatus = "running" | "done" | "interrupted" | "diverged" | "failed";

interface TrainSetup {
  data: Dataset;
  file: string | null;
  network: Network;
  params: NetworkParams;
  shuffle: PRNG;
  optimizer: Optimizer;
  cellName: string;
  /** The checkpoint a resumed run goes on from. */
  resumed: RunCheckpoint | null;
}

async function trainInto(run: RunFolder, config: TrainConfig, setup: TrainSetup): Promise<number> {
  const { data, network, params, optimizer, shuffle, resumed } = setup;
  const title = `${config.task} · ${setup.cellName} ${config.hidden}${config.layers > 1 ? ` x ${config.layers}` : ""} · ${config.algorithm} · ${config.optimizer} lr ${config.lr}`;
  const history: EpochMetrics[] = [...(resumed?.checkpoint.history ?? [])];
  const details = { metric: data.metric, dataFile: setup.file, parameters: treeFloats(params), timing: [...(resumed?.timing ?? [])] };
  const shape = { inputSize: data.inputSize, outputSize: data.outputSize, loss: data.loss };
  const writeMetrics = (status: RunStatus, extra: object = {}) => run.writeJson("metrics.json", { schema: "ostl-train/1", config, history, status, ...details, ...extra });
  run.writeJson("config.json", config);
  writeMetrics("running");

  const report = progressReporter(process.stderr, process.stderr.isTTY === true);
  report.note(`ostl train: ${title}; ${details.parameters} parameters; run folder ${run.path}${resumed === null ? "" : `; resumed after epoch ${resumed.checkpoint.epoch}`}`);
  let stopSignal: StopSignal | null = null;
  const onSignal = (signal: StopSignal) => {
    if (stopSignal !== null) {
      writeMetrics("interrupted");
      run.close();
      process.exit(SIGNAL_EXIT[signal]);
    }
    stopSignal = signal;
    report.note(`${signal === "SIGINT" ? "interrupted" : "terminated (SIGTERM)"}: stopping after the current sequence (${signal === "SIGINT" ? "Ctrl-C" : "SIGTERM"} again to quit now)`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let diverged: TrainingDivergedError | null = null;
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
      firstEpoch: history.length + 1,
    }, {
      onProgress: (p) => report.update(p),
      onEpoch: async (m, reached, timing) => {
        history.push(m);
        details.timing.push({ epoch: m.epoch, ...timing });
        // the checkpoint first: metrics.json never names an epoch that a resumed run would redo
        writeRunCheckpoint(run, { config, network: shape, timing: details.timing, checkpoint: { epoch: m.epoch, history, params: reached, optimizer: optimizer.state(), shuffle: shuffle.getState() } });
        writeMetrics("running");
        run.writeText("loss-curve.svg", await renderLossCurve(history, title, data.metric));
        report.epoch(m, config.epochs, timing);
      },
      shouldStop: () => stopSignal !== null,
    });
  } catch (error) {
    if (!(error instanceof TrainingDivergedError)) {
      writeMetrics("failed", { error: String(error) });
      throw error;
    }
    diverged = error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    report.stop();
  }
  const kept = `${history.length} epoch${history.length === 1 ? "" : "s"}; wrote ${run.path}/metrics.json, config.json${history.length > 0 ? ", loss-curve.svg, checkpoint.json" : ""}`;
  if (diverged !== null) {
    writeMetrics("diverged", { divergence: { ...diverged.position, what: diverged.what } });
    report.note(`ostl ${diverged.message}; kept ${kept}`);
  } else {
    writeMetrics(stopSignal !== null ? "interrupted" : "done");
    report.note(`${stopSignal !== null ? "interrupted after" : "done:"} ${kept}`);
  }
  if (config.json) {
    const out: TrainReport = { schema: "ostl-train/1", config, history };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
  return diverged !== null ? DIVERGED : stopSignal !== null ? SIGNAL_EXIT[stopSignal] : 0;
}

const usage = `usage: ostl train --task jsb|copy|adding|add --cell NAME [options]
       ostl train --resume RUN_FOLDER [--epochs E] [--json]

Trains a network by ${algorithmList("or", "title")} and reports the per-step loss on train, valid and test
after every epoch (JSB: the frame-level NLL per time step). Progress goes to stderr; the run
folder gets config.json, metrics.json (rewritten after every epoch, with the run's status:
running, done, interrupted, diverged or failed), loss-curve.svg and checkpoint.json (the params,
the optimizer's state and the data order's generator after the last finished epoch, written
atomically). --resume continues a stopped run from its checkpoint, to the same bits as a run
that was never stopped; 'ostl eval RUN_FOLDER' scores its model. One run at a time holds a
folder (the lock file .ostl-train.lock; a dead run's lock is taken over), and a folder holding a
previous run is refused unless --overwrite is given. Ctrl-C (SIGINT) or SIGTERM stops after the
current sequence and keeps what was written; a second one quits at once. A loss, gradient or
updated parameter that is NaN or infinite stops the run, naming the epoch, the sequence and
the value; the epochs before are kept.

model
  --cell NAME          ${joinWords(BUILT_IN_CELLS, "or")}
  --hidden N           units per layer (default 150 for jsb, 32 otherwise)
  --layers L           stacked layers (default 1)
  --recurrent          SNU family: add the recurrent matrix H (default: none)
  --decay X            SNU family: membrane decay (default 0.8, fixed)
  --trainable-decay    SNU family: make the decay a parameter
  --threshold X        SNU family: initial threshold, b = -X (default 1)
  --activation G       SNU family: identity (default), relu or leakyRelu
  --variant V          gru: reset-after (default) or reset-before
${builtInCellsHelp().replace(/^/gm, "  ")}
training
  --algo A             ${algorithmList("or")} (default ostl)
  --approximation ${OSTL_APPROXIMATIONS.join("|")}   ostl: ${OSTL_APPROXIMATION_DESCRIPTION}
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
  --task T             jsb (JSB Chorales), copy (delayed recall), adding, or add (lags)
  --data PATH          jsb: the JSB Chorales JSON file (or a folder holding
                       jsb-chorales-quarter.json); default $OSTL_DATA, then the cache of
                       'ostl data fetch jsb'
  --symbols K --length L --delay D    copy: alphabet, symbols to recall, delay (4, 3, 5)
  --length T           adding: sequence length (default 50)
  --length T --lags T1,T2   add: sequence length and the lags of its target (40; 5,9)
  --examples A,B,C     copy, adding: train, valid, test examples (default 1000,100,100)
resume
  --resume DIR         continue the run in DIR from its last finished epoch, with its config.json
  --epochs E           with --resume: train on to epoch E (default: the run's own epochs)
output
  --out DIR            run folder (default runs/<task>-<cell>-<algo>-<time>)
  --overwrite          replace a previous run in --out (its config.json, metrics.json,
                       loss-curve.svg, checkpoint.json; other files stay); never a run
                       that is still going
  --json               print one JSON object on stdout:
                       {"schema": "ostl-train/1", "config": {...}, "history": [{"epoch", "train", "valid", "test", "seconds"}, ...]}

Exit status: 0 done; 2 bad flags or data, or --out unusable (under a file, not writable, held
by another run, or holding a previous run without --overwrite); 3 diverged (metrics.json
status 'diverged'); 130 interrupted by SIGINT (Ctrl-C); 143 stopped by SIGTERM.`;

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
  summary: `train on JSB Chorales or a synthetic task by ${algorithmList("or", "title")}`,
  usage,
  run: (argv) => (argv.some((a) => a === "--resume" || a.startsWith("--resume=")) ? resumeFromFlags(argv) : runTrain(parseTrainConfig(argv))),
};

const RESUME_FLAGS = { resume: { type: "string" }, epochs: { type: "string" }, json: { type: "boolean" } } as const;

function resumeFromFlags(argv: readonly string[]): Promise<number> {
  const stray = argv.find((a) => a.startsWith("--") && !Object.keys(RESUME_FLAGS).includes(a.slice(2).replace(/=.*$/, "")));
  if (stray !== undefined) throw new UsageError(`${stray.replace(/=.*$/, "")} does not apply with --resume: the run's config.json fixes it (only --epochs and --json may be given)`);
  const { values } = parseFlags("train", argv, RESUME_FLAGS);
  const epochs = numberFlag("--epochs", values.epochs, { min: 1, integer: true });
  return resumeTrain(values.resume!, { ...(epochs === undefined ? {} : { epochs }), json: values.json ?? false });
}

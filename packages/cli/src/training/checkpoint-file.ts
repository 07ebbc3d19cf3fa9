/**
 * A run folder's checkpoint.json (schema ostl-checkpoint/1): what `ostl train` writes after every
 * epoch (atomically, before metrics.json) and what `ostl train --resume` and `ostl eval` read. It
 * holds the run's configuration, the network's shape, the time each epoch took, and the
 * {@link Checkpoint} itself (params, optimizer state, the shuffling generator's state, the
 * epochs' figures).
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Checkpoint, cellByName, checkpointFromJson, checkpointToJson, datasetNetwork, fieldProblems, type LossName } from "@ostl/models";
import type { Network, NetworkArrays } from "@ostl/ostl";
import { UsageError } from "../command.js";
import { CHECKPOINT_SCHEMA, runCheckpointSchema } from "../formats/checkpoint.js";
import type { TrainConfig } from "./config.js";
import type { RunFolder } from "./run-folder.js";

/**
 * The checkpoint's file name in a run folder.
 *
 * @example
 * ```ts
 * import { CHECKPOINT_FILE, RUN_FILES } from "@ostl/cli";
 * console.log(CHECKPOINT_FILE, RUN_FILES.includes(CHECKPOINT_FILE)); // checkpoint.json true
 * ```
 */
export const CHECKPOINT_FILE = "checkpoint.json";

/**
 * What a run's checkpoint holds besides the {@link Checkpoint}: the configuration it was started
 * with, the sizes of its network, and the split of each epoch's time.
 *
 * @example
 * ```ts
 * import { type RunCheckpoint } from "@ostl/cli";
 * const keys: (keyof RunCheckpoint)[] = ["config", "network", "timing", "checkpoint"];
 * console.log(keys.length); // 4
 * ```
 */
export interface RunCheckpoint {
  readonly config: TrainConfig;
  readonly network: { readonly inputSize: number; readonly outputSize: number; readonly loss: LossName };
  readonly timing: readonly { readonly epoch: number; readonly trainSeconds: number; readonly evalSeconds: number }[];
  readonly checkpoint: Checkpoint;
}


/**
 * Writes the run's checkpoint into its folder (atomically: a reader sees the previous one or this one).
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { parseTrainConfig, readRunCheckpoint, RunFolder, writeRunCheckpoint } from "@ostl/cli";
 * import { PRNG } from "@ostl/core";
 * import { copyTask, datasetNetwork, rnn, sgd } from "@ostl/models";
 * const config = parseTrainConfig(["--task", "copy", "--cell", "rnn", "--hidden", "4"]);
 * const data = copyTask({ symbols: 4, length: 3, delay: 5, examples: [2, 1, 1], seed: 1 });
 * const params = datasetNetwork(data, rnn(), 4).init(new PRNG(0));
 * const run = new RunFolder(join(mkdtempSync(join(tmpdir(), "ckpt-")), "run"));
 * writeRunCheckpoint(run, { config, network: { inputSize: data.inputSize, outputSize: data.outputSize, loss: data.loss }, timing: [], checkpoint: { epoch: 0, history: [], params, optimizer: sgd({ learningRate: 0.1 }).state(), shuffle: null } });
 * run.close();
 * console.log(readRunCheckpoint(run.path).checkpoint.params.readout!.W!.shape); // [4, 4]
 * ```
 */
export function writeRunCheckpoint(run: RunFolder, saved: RunCheckpoint): void {
  run.writeText(CHECKPOINT_FILE, JSON.stringify({ schema: CHECKPOINT_SCHEMA, config: saved.config, network: saved.network, timing: saved.timing, checkpoint: checkpointToJson(saved.checkpoint) }));
}

/**
 * Reads and checks the checkpoint of the run in `folder`.
 *
 * @throws {@link UsageError} naming the folder when it has no checkpoint, or the field of the
 *   file that is missing or wrong.
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readRunCheckpoint } from "@ostl/cli";
 * try {
 *   readRunCheckpoint(mkdtempSync(join(tmpdir(), "empty-")));
 * } catch (e) {
 *   console.log((e as Error).message.replace(/\/.*empty-\w+/, "DIR")); // DIR holds no checkpoint.json: it is not a run folder of ostl train, or its run has not finished an epoch
 * }
 * ```
 */
export function readRunCheckpoint(folder: string): RunCheckpoint {
  const path = join(folder, CHECKPOINT_FILE);
  if (!existsSync(path)) throw new UsageError(`${folder} holds no ${CHECKPOINT_FILE}: it is not a run folder of ostl train, or its run has not finished an epoch`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`${path}: not JSON (${(error as Error).message})`);
  }
  const parsed = runCheckpointSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${path}: ${fieldProblems(parsed.error)}`);
  let checkpoint: Checkpoint;
  try {
    checkpoint = checkpointFromJson(parsed.data.checkpoint);
  } catch (error) {
    // the fields are valid (the file's schema holds the checkpoint's): what is left is an array whose entries do not fill its shape
    throw new UsageError(`${path}: checkpoint.${(error as Error).message.replace(/^checkpointFromJson: /, "")}`);
  }
  const { config, network, timing } = parsed.data;
  return { config: config as unknown as TrainConfig, network, timing, checkpoint };
}

/**
 * A trained model from its run folder, for use in a script: the network (rebuilt from the run's
 * configuration: cell, sizes, loss) and the params of the last finished epoch.
 *
 * @throws {@link UsageError} as {@link readRunCheckpoint} does.
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadCheckpoint, parseTrainConfig, runTrain } from "@ostl/cli";
 * import { evaluate, copyTask } from "@ostl/models";
 * const out = join(mkdtempSync(join(tmpdir(), "run-")), "copy");
 * await runTrain(parseTrainConfig(["--task", "copy", "--cell", "rnn", "--hidden", "4", "--epochs", "2", "--examples", "8,2,2", "--out", out]));
 * const { network, params, epoch, config } = loadCheckpoint(out);
 * const data = copyTask({ ...config.taskOptions, seed: config.seed } as never);
 * console.log(epoch, network.spec.layers[0]!.hiddenSize, evaluate(network, params, data.valid) > 0); // 2 4 true
 * ```
 */
export function loadCheckpoint(folder: string): { config: TrainConfig; network: Network; params: NetworkArrays; epoch: number; history: Checkpoint["history"] } {
  const { config, network, checkpoint } = readRunCheckpoint(folder);
  const built = datasetNetwork(network, cellByName(config.cell, config.cellOptions), config.hidden, config.layers);
  return { config, network: built, params: checkpoint.params, epoch: checkpoint.epoch, history: checkpoint.history };
}

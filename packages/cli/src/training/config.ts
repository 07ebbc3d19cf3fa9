/**
 * The configuration of `ostl train`: read from the command-line flags, checked, with per-task
 * defaults, and written to the run folder's `config.json` as it is.
 *
 * @module
 */
import { ALGORITHM_NAMES, type AlgorithmName } from "@ostl/ostl";
import { cells, OPTIMIZERS, type OptimizerName, type UpdateEvery } from "@ostl/models";
import { type FlagValues, numberFlag, parseFlags } from "../args.js";
import { UsageError } from "../command.js";
import { joinWords, OSTL_APPROXIMATIONS, type OstlApproximation } from "../algorithm-names.js";

/**
 * The flags of `ostl train`, for `parseFlags`.
 *
 * @example
 * ```ts
 * import { parseFlags, TRAIN_FLAGS } from "@ostl/cli";
 * const { values } = parseFlags("train", ["--task", "copy"], TRAIN_FLAGS);
 * console.log(values.task); // copy
 * ```
 */
export const TRAIN_FLAGS = {
  task: { type: "string" },
  cell: { type: "string" },
  hidden: { type: "string" },
  layers: { type: "string" },
  algo: { type: "string" },
  approximation: { type: "string" },
  optimizer: { type: "string" },
  lr: { type: "string" },
  momentum: { type: "string" },
  clip: { type: "string" },
  epochs: { type: "string" },
  "update-every": { type: "string" },
  batch: { type: "string" },
  seed: { type: "string" },
  data: { type: "string" },
  out: { type: "string" },
  overwrite: { type: "boolean" },
  json: { type: "boolean" },
  recurrent: { type: "boolean" },
  decay: { type: "string" },
  "trainable-decay": { type: "boolean" },
  threshold: { type: "string" },
  activation: { type: "string" },
  variant: { type: "string" },
  symbols: { type: "string" },
  length: { type: "string" },
  delay: { type: "string" },
  lags: { type: "string" },
  examples: { type: "string" },
} as const;

/**
 * The tasks `ostl train` knows.
 *
 * @example
 * ```ts
 * import { TASKS } from "@ostl/cli";
 * console.log(TASKS); // ["jsb", "copy", "adding", "add"]
 * ```
 */
export const TASKS = ["jsb", "copy", "adding", "add"] as const;

/**
 * A task name.
 *
 * @example
 * ```ts
 * import { parseTrainConfig, type TaskName } from "@ostl/cli";
 * const task: TaskName = "adding";
 * const config = parseTrainConfig(["--task", task, "--cell", "gru", "--length", "20"]);
 * console.log(config.task, config.taskOptions, config.hidden); // adding { length: 20 } 32
 * ```
 */
export type TaskName = (typeof TASKS)[number];

/**
 * A checked `ostl train` configuration (what `config.json` holds).
 *
 * @example
 * ```ts
 * import { parseTrainConfig, type TrainConfig } from "@ostl/cli";
 * const config: TrainConfig = parseTrainConfig(["--task", "copy", "--cell", "lstm"]);
 * console.log(config.hidden, config.epochs, config.algorithm); // 32 10 ostl
 * ```
 */
export interface TrainConfig {
  readonly task: TaskName;
  /** Sizes of the synthetic tasks (`symbols`, `length`, `delay`, `examples`); empty for jsb. */
  readonly taskOptions: Readonly<Record<string, number | readonly number[]>>;
  /** The `--data` flag as given (jsb only; the file read is reported in metrics.json). */
  readonly data: string | null;
  readonly cell: string;
  /** Options passed to the cell factory. */
  readonly cellOptions: Readonly<Record<string, number | boolean | string>>;
  readonly hidden: number;
  readonly layers: number;
  readonly algorithm: AlgorithmName;
  /** OSTL's approximation of dense temporal Jacobians, if asked. */
  readonly approximation: OstlApproximation | null;
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly momentum: number | null;
  readonly clip: number | null;
  readonly epochs: number;
  readonly updateEvery: UpdateEvery;
  readonly batch: number;
  readonly seed: number;
  readonly out: string | null;
  /** Replace a previous run in `out`. */
  readonly overwrite: boolean;
  readonly json: boolean;
}

const DEFAULTS: Record<TaskName, { hidden: number; epochs: number }> = {
  jsb: { hidden: 150, epochs: 30 },
  copy: { hidden: 32, epochs: 10 },
  adding: { hidden: 32, epochs: 10 },
  add: { hidden: 32, epochs: 10 },
};

function choice<T extends string>(flag: string, raw: string | undefined, known: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!known.includes(raw as T)) throw new UsageError(`${flag} must be one of ${known.join(", ")}, got '${raw}'`);
  return raw as T;
}

const positive = (flag: string, raw: string | undefined) => numberFlag(flag, raw, { min: 1, integer: true });

function cellOptions(values: FlagValues<typeof TRAIN_FLAGS>): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  if (values.recurrent) out.recurrent = true;
  if (values["trainable-decay"]) out.trainableDecay = true;
  const decay = numberFlag("--decay", values.decay);
  if (decay !== undefined) out.decay = decay;
  const threshold = numberFlag("--threshold", values.threshold);
  if (threshold !== undefined) out.threshold = threshold;
  if (values.activation !== undefined) out.activation = values.activation;
  if (values.variant !== undefined) out.variant = values.variant;
  return out;
}

/**
 * The task options given as flags (`--symbols`, `--length`, `--delay`, `--lags`, `--examples`),
 * checked against what the task takes.
 *
 * @throws {@link UsageError} for a flag the task does not take, or a malformed value.
 * @example
 * ```ts
 * import { parseFlags, TRAIN_FLAGS, taskOptions } from "@ostl/cli";
 * const { values } = parseFlags("train", ["--lags", "3,7", "--length", "20"], TRAIN_FLAGS);
 * console.log(taskOptions("add", values)); // { length: 20, lags: [3, 7] }
 * ```
 */
export function taskOptions(task: TaskName, values: Pick<FlagValues<typeof TRAIN_FLAGS>, "symbols" | "length" | "delay" | "lags" | "examples">): Record<string, number | readonly number[]> {
  const given = (["symbols", "length", "delay", "lags", "examples"] as const).filter((k) => values[k] !== undefined);
  const allowed = task === "copy" ? ["symbols", "length", "delay", "examples"] : task === "adding" ? ["length", "examples"] : task === "add" ? ["length", "lags", "examples"] : [];
  const stray = given.find((k) => !allowed.includes(k));
  if (stray !== undefined) throw new UsageError(`--${stray} does not apply to --task ${task}${allowed.length ? ` (it takes ${allowed.map((k) => `--${k}`).join(", ")})` : ""}`);
  const out: Record<string, number | readonly number[]> = {};
  for (const k of ["symbols", "length", "delay"] as const) {
    const v = numberFlag(`--${k}`, values[k], { min: 1, integer: true });
    if (v !== undefined) out[k] = v;
  }
  if (values.lags !== undefined) {
    const lags = values.lags.split(",").map((s) => Number(s.trim()));
    if (lags.length !== 2 || lags.some((n) => !Number.isInteger(n) || n < 1) || lags[0]! >= lags[1]!) throw new UsageError(`--lags must be two integers 1 <= T1 < T2, got '${values.lags}'`);
    out.lags = lags;
  }
  if (values.examples !== undefined) {
    const parts = values.examples.split(",").map((s) => Number(s.trim()));
    if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError(`--examples must be three positive integers TRAIN,VALID,TEST, got '${values.examples}'`);
    out.examples = parts;
  }
  return out;
}

/**
 * Reads and checks the flags of `ostl train`.
 *
 * @throws {@link UsageError} naming the flag for a missing, unknown or out-of-range value.
 * @example
 * ```ts
 * import { parseTrainConfig } from "@ostl/cli";
 * const c = parseTrainConfig(["--task", "jsb", "--cell", "ssnu", "--algo", "bptt", "--update-every", "sequence"]);
 * console.log(c.hidden, c.epochs, c.updateEvery, c.cellOptions); // 150 30 sequence {}
 * ```
 */
export function parseTrainConfig(argv: readonly string[]): TrainConfig {
  const { values } = parseFlags("train", argv, TRAIN_FLAGS);
  if (values.task === undefined) throw new UsageError(`--task is required (one of ${TASKS.join(", ")})`);
  const task = choice("--task", values.task, TASKS, "jsb");
  if (values.cell === undefined) throw new UsageError(`--cell is required (${joinWords(Object.keys(cells), "or")})`);
  if (task !== "jsb" && values.data !== undefined) throw new UsageError(`--data applies to --task jsb only (the ${task} task is generated from --seed)`);
  const optimizer = choice("--optimizer", values.optimizer, OPTIMIZERS, "adam");
  const momentum = numberFlag("--momentum", values.momentum, { min: 0 }) ?? null;
  if (momentum !== null && optimizer !== "sgd") throw new UsageError("--momentum applies to --optimizer sgd only");
  const algorithm = choice("--algo", values.algo, ALGORITHM_NAMES, "ostl");
  const approximation = values.approximation === undefined ? null : choice("--approximation", values.approximation, OSTL_APPROXIMATIONS, "diagonal");
  if (approximation !== null && algorithm !== "ostl") throw new UsageError("--approximation applies to --algo ostl only");
  const every = values["update-every"];
  const updateEvery: UpdateEvery = every === undefined || every === "sequence" ? "sequence" : numberFlag("--update-every", every, { min: 1, integer: true })!;
  const lr = numberFlag("--lr", values.lr, { min: 0 }) ?? 1e-3;
  if (lr === 0) throw new UsageError("--lr must be a number > 0, got '0'");
  const clip = numberFlag("--clip", values.clip, { min: 0 }) ?? null;
  if (clip === 0) throw new UsageError("--clip must be a number > 0, got '0'");
  return {
    task,
    taskOptions: taskOptions(task, values),
    data: values.data ?? null,
    cell: values.cell,
    cellOptions: cellOptions(values),
    hidden: positive("--hidden", values.hidden) ?? DEFAULTS[task].hidden,
    layers: positive("--layers", values.layers) ?? 1,
    algorithm,
    approximation,
    optimizer,
    lr,
    momentum,
    clip,
    epochs: positive("--epochs", values.epochs) ?? DEFAULTS[task].epochs,
    updateEvery,
    batch: positive("--batch", values.batch) ?? 1,
    seed: numberFlag("--seed", values.seed, { min: 0, integer: true }) ?? 1,
    out: values.out ?? null,
    overwrite: values.overwrite ?? false,
    json: values.json ?? false,
  };
}

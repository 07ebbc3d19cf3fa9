import { scoreExamples, type SplitScore, withMaskedLoss } from "@ostl/models";
import { parseFlags } from "../args.js";
import { type Command, UsageError } from "../command.js";
import { formatTable } from "../table.js";
import { loadCheckpoint } from "../training/checkpoint-file.js";
import { loadTaskData } from "../training/task-data.js";

const SPLITS = ["train", "valid", "test"] as const;
type Split = (typeof SPLITS)[number];

/**
 * The one JSON object `ostl eval --json` prints: the run, the epoch its checkpoint holds, and the
 * score of each split asked for (the mean per-step loss, and the frame-level accuracy for JSB).
 *
 * @example
 * ```ts
 * import { type EvalReport } from "@ostl/cli";
 * const report: EvalReport = { schema: "ostl-eval/1", run: "runs/copy", epoch: 3, metric: "per-step loss", scores: { test: { loss: 0.41 } } };
 * console.log(report.scores.test!.loss); // 0.41
 * ```
 */
export interface EvalReport {
  schema: "ostl-eval/1";
  run: string;
  epoch: number;
  metric: string;
  scores: Partial<Record<Split, SplitScore>>;
}

/**
 * Scores the model of a run folder (its last checkpoint) on the splits asked for, with the data
 * the run was trained on (generated again from its seed, or the JSB file: the run's own, or
 * `dataPath`). The figures are those training reports for the same epoch, to the bit.
 *
 * @throws {@link UsageError} when the folder has no checkpoint or the data cannot be read.
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { evaluateRun, parseTrainConfig, runTrain } from "@ostl/cli";
 * const out = join(mkdtempSync(join(tmpdir(), "run-")), "copy");
 * await runTrain(parseTrainConfig(["--task", "copy", "--cell", "rnn", "--hidden", "4", "--epochs", "2", "--examples", "8,2,2", "--out", out]));
 * const report = evaluateRun(out, ["valid", "test"]);
 * const last = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).history[1];
 * console.log(report.epoch, report.scores.valid!.loss === last.valid, report.scores.test!.loss === last.test); // 2 true true
 * ```
 */
export function evaluateRun(folder: string, splits: readonly Split[], dataPath: string | null = null): EvalReport {
  const { config, network, params, epoch } = loadCheckpoint(folder);
  const { data } = loadTaskData(config.task, config.taskOptions, config.seed, dataPath ?? config.data);
  if (data.inputSize !== network.spec.inputSize || data.outputSize !== network.spec.outputSize) {
    throw new UsageError(`the data has ${data.inputSize} inputs and ${data.outputSize} outputs, the run's network ${network.spec.inputSize} and ${network.spec.outputSize}`);
  }
  // as training scores: masked loss, frame accuracy where the targets are notes played or not
  const scored = withMaskedLoss(network);
  const frames = data.loss === "sigmoidCrossEntropy";
  const scores: Partial<Record<Split, SplitScore>> = {};
  for (const split of splits) scores[split] = scoreExamples(scored, params, data[split], 1, frames);
  return { schema: "ostl-eval/1", run: folder, epoch, metric: data.metric, scores };
}

const usage = `usage: ostl eval RUN_FOLDER [--split train|valid|test|all] [--data PATH] [--json]

Scores the model saved in a run folder of 'ostl train' (its checkpoint.json: the params after the
last finished epoch) on a split of the data it was trained on: the mean per-step loss, and for
JSB the frame-level accuracy TP/(TP+FP+FN). The figures equal those the run reported for that
epoch.

  --split S    train, valid, test (default) or all
  --data PATH  jsb: the JSB Chorales file, when it is no longer where the run read it
  --json       print one JSON object (schema ostl-eval/1)

Exit status: 0 scored; 2 bad flags, no checkpoint in the folder, or data that cannot be read.`;

const EVAL_FLAGS = { split: { type: "string" }, data: { type: "string" }, json: { type: "boolean" } } as const;

/**
 * `ostl eval`: scores a trained run's model on a split.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { evalCommand, parseTrainConfig, runTrain } from "@ostl/cli";
 * const out = join(mkdtempSync(join(tmpdir(), "run-")), "adding");
 * await runTrain(parseTrainConfig(["--task", "adding", "--length", "6", "--examples", "8,2,2", "--cell", "rnn", "--hidden", "4", "--epochs", "1", "--out", out]));
 * console.log(await evalCommand.run([out, "--split", "all"])); // 0
 * ```
 */
export const evalCommand: Command = {
  name: "eval",
  summary: "score the model of a training run on a split",
  usage,
  run: async (argv) => {
    const folder = argv[0];
    if (folder === undefined || folder.startsWith("--")) throw new UsageError("the run folder is required: ostl eval RUN_FOLDER");
    const { values } = parseFlags("eval", argv.slice(1), EVAL_FLAGS);
    const split = values.split ?? "test";
    if (split !== "all" && !SPLITS.includes(split as Split)) throw new UsageError(`--split must be one of ${SPLITS.join(", ")} or all, got '${split}'`);
    const report = evaluateRun(folder, split === "all" ? SPLITS : [split as Split], values.data ?? null);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    // the frame accuracy where the run's targets have one (JSB)
    const frames = Object.values(report.scores).some((s) => s.accuracy !== undefined);
    const rows = Object.entries(report.scores).map(([name, s]) => [name, s.loss.toPrecision(6), ...(frames ? [s.accuracy!.toFixed(4)] : [])]);
    console.log(`ostl eval: ${folder}, epoch ${report.epoch} (${report.metric})`);
    console.log(formatTable(["split", "loss", ...(frames ? ["frame accuracy"] : [])], rows));
    return 0;
  },
};

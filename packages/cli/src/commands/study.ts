import { join } from "node:path";
import { ALGORITHM_NAMES, ALGORITHM_PRESETS } from "@ostl/ostl";
import { datasetNetwork, withMaskedLoss } from "@ostl/models";
import { numberFlag, parseFlags } from "../args.js";
import { parseAlgorithmList } from "../algorithm-names.js";
import { type Command, UsageError } from "../command.js";
import { checkReportFolder, writeReportFiles } from "../compare/report-folder.js";
import { loadCell } from "../load-cell.js";
import { progress } from "../progress.js";
import { formatTable } from "../table.js";
import { TASKS, type TaskName, taskOptions } from "../training/config.js";
import { loadTaskData } from "../training/task-data.js";
import { provenance } from "../provenance.js";
import { renderStudyReport, STUDY_COLUMNS, studyNotRunLine, studyRows } from "../study/report.js";
import { runStudy } from "../study/run.js";

const usage = `usage: ostl study --task add|copy|adding|jsb --cell NAME|FILE --train-with ALGO --algos A,B,... [options]

Compares online-learning algorithms along a training trajectory. One network trains with
--train-with (Adam, one training sequence per update); every --every updates each algorithm of
--algos computes its gradient on the same sequence with the same parameters, and its cosine and
relative error to BPTT's exact gradient (recurrent layers), its norm, time per step and floats held
are recorded. Then each algorithm trains networks of its own, from the same initial parameters
and data order, for its loss curve. Every figure is given per seed and as mean and standard
deviation over --seeds runs.

  --task T          add (Marschall et al.'s lags task, default), copy, adding, or jsb (needs --data)
  --cell NAME|FILE  a built-in cell or a module exporting one (default rnn)
  --train-with A    the algorithm that trains (default bptt)
  --algos A,...     algorithms compared: ${ALGORITHM_NAMES.join(", ")}, or the presets
                    ${Object.keys(ALGORITHM_PRESETS).join(", ")} (default rtrl,ostl,eprop,snap1,uoro)
  --seeds K         independent runs (default 3)
  --steps N         updates per run (default 200)
  --every k         record alignment every k updates (default 10)
  --hidden N        units per layer (default 16)
  --layers L        stacked layers of the cell (default 1)
  --lr R            Adam's learning rate (default 0.01)
  --seed S          seed of the data (default 0)
  --length T --lags T1,T2 --examples TRAIN,VALID,TEST   task options, as ostl train takes them
                    (add: 40; 5,9; 1000,100,100)
  --data FILE       the JSB Chorales file (--task jsb)
  --out DIR         report folder (default reports/study-<date-time>): index.html and results.json
  --json            print exactly one JSON object (schema ostl-study/1) on stdout
  --quiet           no progress output

An algorithm that does not run on the network (KF-RTRL on a stack) is listed as not run, with
its reason. Exit status: 0 done; 2 bad flags, cell module, data or --out.`;

/**
 * `ostl study`: online-learning algorithms compared along training trajectories.
 *
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { studyCommand } from "@ostl/cli";
 * const out = join(mkdtempSync(join(tmpdir(), "study-")), "report");
 * const argv = ["--task", "add", "--length", "12", "--lags", "2,4", "--examples", "16,4,4", "--hidden", "4", "--algos", "rtrl,uoro", "--seeds", "2", "--steps", "6", "--every", "3", "--out", out, "--quiet"];
 * console.log(await studyCommand.run(argv)); // 0
 * const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
 * console.log(results.schema, results.updates, Object.keys(results.alignment)); // ostl-study/1 [0, 3] ["bptt", "rtrl", "uoro"]
 * ```
 */
export const studyCommand: Command = {
  name: "study",
  summary: "compare online-learning algorithms along training trajectories: alignment with BPTT, loss curves, cost",
  usage,
  async run(argv) {
    const { values } = parseFlags("study", argv, {
      task: { type: "string" },
      cell: { type: "string" },
      "train-with": { type: "string" },
      algos: { type: "string" },
      seeds: { type: "string" },
      steps: { type: "string" },
      every: { type: "string" },
      hidden: { type: "string" },
      layers: { type: "string" },
      lr: { type: "string" },
      seed: { type: "string" },
      length: { type: "string" },
      lags: { type: "string" },
      symbols: { type: "string" },
      delay: { type: "string" },
      examples: { type: "string" },
      data: { type: "string" },
      out: { type: "string" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
    });
    const task = (values.task ?? "add") as TaskName;
    if (!TASKS.includes(task)) throw new UsageError(`--task must be one of ${TASKS.join(", ")}, got '${values.task}'`);
    const [trainWith] = parseAlgorithmList("--train-with", values["train-with"] ?? "bptt");
    const algos = parseAlgorithmList("--algos", values.algos ?? "rtrl,ostl,eprop,snap1,uoro");
    const seeds = numberFlag("--seeds", values.seeds, { min: 1, integer: true }) ?? 3;
    const steps = numberFlag("--steps", values.steps, { min: 1, integer: true }) ?? 200;
    const every = numberFlag("--every", values.every, { min: 1, integer: true }) ?? 10;
    const hidden = numberFlag("--hidden", values.hidden, { min: 1, integer: true }) ?? 16;
    const layers = numberFlag("--layers", values.layers, { min: 1, integer: true }) ?? 1;
    const learningRate = numberFlag("--lr", values.lr, { min: 0 }) ?? 0.01;
    const seed = numberFlag("--seed", values.seed, { min: 0, integer: true }) ?? 0;
    const out = checkReportFolder(values.out ?? join("reports", `study-${new Date().toISOString().replace(/[:.]/g, "-")}`));
    const cell = await loadCell(values.cell ?? "rnn");
    const { data } = loadTaskData(task, taskOptions(task, values), seed, values.data ?? null);
    const network = withMaskedLoss(datasetNetwork(data, cell.cell, hidden, layers));
    const bar = progress(seeds * (1 + algos.length), "study", values.quiet === true);
    const made = provenance(["study", ...argv]);
    const computed = runStudy(network, data, { task, cell: cell.name, hidden, layers }, { trainWith: trainWith!, algos, seeds, steps, every, learningRate }, (label) => bar.tick(label));
    bar.stop();
    const results = { ...computed, provenance: made };
    writeReportFiles(out, { "index.html": await renderStudyReport(results), "results.json": `${JSON.stringify(results, null, 2)}\n` });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(results)}\n`);
      return 0;
    }
    console.log(`${task} task, ${cell.name} (n = ${hidden}${layers > 1 ? ` x ${layers} layers` : ""}), trained with ${results.config.trainWith}; ${seeds} seeds x ${steps} updates, alignment every ${every}`);
    console.log(formatTable(STUDY_COLUMNS, studyRows(results)).replace(/^/gm, "  "));
    const notRun = studyNotRunLine(results);
    if (notRun !== null) console.log(`  ${notRun}`);
    console.log(`\nreport: ${join(out, "index.html")}\nresults: ${join(out, "results.json")}`);
    return 0;
  },
};

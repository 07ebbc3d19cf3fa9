import { readFileSync } from "node:fs";
import * as core from "@ostl/core";
import { OstlError } from "@ostl/core";
import { type AlgorithmName, ALGORITHM_NAMES, algorithms, type GradientAlgorithm, type NetworkParams } from "@ostl/ostl";
import { buildReferenceCase, parseReferenceFile, ReferenceFileError, type ReferenceSetup } from "@ostl/models";
import { numberFlag, parseFlags } from "../args.js";
import { type Command, UsageError } from "../command.js";
import { formatTable } from "../table.js";
import { joinWords } from "../algorithm-names.js";

/**
 * One row of a gradient check.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { runGradcheck, type GradcheckResult } from "@ostl/cli";
 * const file = JSON.parse(readFileSync("fixtures/reference-public.json", "utf8"));
 * const oneCase = JSON.stringify({ ...file, cases: file.cases.slice(0, 1) });
 * const rows: GradcheckResult[] = runGradcheck(oneCase, "one-case.json", 1e-8, 0).results;
 * console.log(rows.map((r) => `${r.case} ${r.algorithm} ${r.chunked ? "chunks" : "steps"} ${r.pass}`));
 * // ["rnn-L1-small bptt steps true", "rnn-L1-small bptt chunks true", "rnn-L1-small rtrl steps true", "rnn-L1-small rtrl chunks true", "rnn-L1-small ostl steps true", "rnn-L1-small ostl chunks true"]
 * ```
 */
export interface GradcheckResult {
  case: string;
  algorithm: AlgorithmName;
  chunked: boolean;
  maxRelError: number;
  pass: boolean;
}

/**
 * The `--json` report of `ostl gradcheck`.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { runGradcheck, type GradcheckReport } from "@ostl/cli";
 * const file = JSON.parse(readFileSync("fixtures/reference-public.json", "utf8"));
 * const report: GradcheckReport = runGradcheck(JSON.stringify({ ...file, cases: file.cases.slice(4, 5) }), "lstm.json", 1e-8, 0);
 * console.log(report.schema, report.passed, report.failed, report.results.every((r) => r.maxRelError < 1e-8)); // ostl-gradcheck/1 6 0 true
 * ```
 */
export interface GradcheckReport {
  schema: "ostl-gradcheck/1";
  tolerance: number;
  results: GradcheckResult[];
  passed: number;
  failed: number;
}

const norm = (x: core.NDArray) => Math.sqrt(core.sum(core.mul(x, x)).item());
const relError = (got: core.NDArray, ref: core.NDArray) => norm(core.sub(got, ref)) / Math.max(norm(ref), 1e-12);

/**
 * max over parameters of ||g - ref|| / max(||ref||, 1e-12).
 *
 * @example
 * ```ts
 * import { maxParamRelError } from "@ostl/cli";
 * import { tensor } from "@ostl/core";
 * const ref = { layer0: { W: tensor([3, 4]) }, readout: { b: tensor([1]) } };
 * console.log(maxParamRelError({ layer0: { W: tensor([3, 4.5]) }, readout: { b: tensor([1]) } }, ref)); // 0.1
 * ```
 */
export function maxParamRelError(got: NetworkParams, ref: NetworkParams): number {
  let worst = 0;
  for (const [group, rec] of Object.entries(ref)) {
    for (const [name, value] of Object.entries(rec)) {
      const g = got[group]?.[name];
      if (g === undefined) throw new OstlError("gradcheck", `the algorithm returned no gradient for '${group}.${name}'`);
      worst = Math.max(worst, relError(g as core.NDArray, value as core.NDArray));
    }
  }
  return worst;
}

/** Relative error of the forward pass: per-step readouts and the summed loss. */
function forwardError(setup: ReferenceSetup): number {
  const { network, params, inputs, targets, expected } = setup;
  let state = network.initialState();
  let loss = 0;
  let worst = 0;
  inputs.forEach((x, t) => {
    const r = network.step(params, state, x);
    state = r.state;
    loss += (network.spec.loss(r.logits, targets[t]!) as core.NDArray).item();
    worst = Math.max(worst, relError(r.logits as core.NDArray, expected.outputs[t]!));
  });
  return Math.max(worst, Math.abs(loss - expected.lossValue) / Math.max(Math.abs(expected.lossValue), 1e-12));
}

/**
 * Chunk boundaries of random lengths (1..4) covering T steps, from a seeded PRNG.
 *
 * @example
 * ```ts
 * import { randomChunks } from "@ostl/cli";
 * import { PRNG } from "@ostl/core";
 * const chunks = randomChunks(10, new PRNG(0));
 * console.log(chunks[0]![0], chunks.at(-1)![1], chunks.every(([a, b]) => b - a >= 1 && b - a <= 4)); // 0 10 true
 * ```
 */
export function randomChunks(T: number, rng: core.PRNG): [number, number][] {
  const chunks: [number, number][] = [];
  for (let start = 0; start < T; ) {
    const end = Math.min(T, start + 1 + rng.integers(4));
    chunks.push([start, end]);
    start = end;
  }
  return chunks;
}

function runAlgorithm(algo: GradientAlgorithm, setup: ReferenceSetup, chunks: [number, number][] | null): { grads: NetworkParams; loss: number } {
  algo.begin(setup.params);
  let loss = 0;
  if (chunks === null) setup.inputs.forEach((x, t) => (loss += algo.step(x, setup.targets[t]!)));
  else for (const [a, b] of chunks) loss += algo.feed(setup.inputs.slice(a, b), setup.targets.slice(a, b));
  return { grads: algo.gradients(), loss };
}

/** The registered algorithms whose gradient is exact, compared with the file's `grads.bptt`. */
const exactAlgorithms = () => ALGORITHM_NAMES.filter((a) => algorithms[a].exactness === "exact");

/**
 * The registered algorithms a reference file covers: the exact ones (against `grads.bptt`) and
 * those exact on the top layer (against `grads.ostl`). An approximate or stochastic algorithm has
 * no reference gradients; the test suite checks it against its definition or its mean.
 */
const checkedAlgorithms = () => ALGORITHM_NAMES.filter((a) => algorithms[a].exactness === "exact" || algorithms[a].exactness === "exact-top-layer");

/** The gradients of a reference case an algorithm is checked against: `grads.bptt` for an exact algorithm, `grads.ostl` for one exact on the top layer. */
const referenceGradients = (algorithm: AlgorithmName, setup: ReferenceSetup): NetworkParams => (algorithms[algorithm].exactness === "exact" ? setup.expected.bptt : setup.expected.ostl);

const titles = (names: readonly AlgorithmName[]) => joinWords(names.map((a) => algorithms[a].title), "and");

/**
 * Runs every registered algorithm that a reference file covers (BPTT, RTRL and OSTL: the exact
 * ones and those exact on the top layer) on every case of the file, step by step and in random
 * chunks, and compares the exact ones (BPTT and RTRL) with `grads.bptt`, OSTL with `grads.ostl`,
 * and the forward pass with `outputs` and `lossValue`. A row's figure is the worst of its gradient
 * and forward errors.
 *
 * @example
 * ```ts
 * import { runGradcheck } from "@ostl/cli";
 * import { readFileSync } from "node:fs";
 * // the first two cases of the public reference file (the whole file takes about a minute)
 * const file = JSON.parse(readFileSync("fixtures/reference-public.json", "utf8"));
 * const report = runGradcheck(JSON.stringify({ ...file, cases: file.cases.slice(0, 2) }), "two-cases.json", 1e-8, 0);
 * console.log(report.results.length, report.passed, report.failed); // 12 12 0
 * ```
 */
export function runGradcheck(text: string, fileName: string, tolerance: number, seed: number): GradcheckReport {
  const file = parseReferenceFile(text, fileName);
  const results: GradcheckResult[] = [];
  file.cases.forEach((c, i) => {
    const setup = buildReferenceCase(c);
    const forward = forwardError(setup);
    const rng = new core.PRNG(seed * 1000 + i);
    for (const algorithm of checkedAlgorithms()) {
      const reference = referenceGradients(algorithm, setup);
      for (const chunked of [false, true]) {
        const { grads, loss } = runAlgorithm(algorithms[algorithm].create(setup.network), setup, chunked ? randomChunks(setup.inputs.length, rng) : null);
        const lossError = Math.abs(loss - setup.expected.lossValue) / Math.max(Math.abs(setup.expected.lossValue), 1e-12);
        const maxRelError = Math.max(maxParamRelError(grads, reference), forward, lossError);
        results.push({ case: c.name, algorithm, chunked, maxRelError, pass: maxRelError <= tolerance });
      }
    }
  });
  const passed = results.filter((r) => r.pass).length;
  return { schema: "ostl-gradcheck/1", tolerance, results, passed, failed: results.length - passed };
}

const usage = `usage: ostl gradcheck --reference FILE [--json] [--tolerance T] [--seed S]

Runs ${titles(checkedAlgorithms())} on every case of a reference file (schema ostl-reference/1), step by step
and in random chunks, and compares ${titles(exactAlgorithms())} with grads.bptt, OSTL with grads.ostl, and the
forward pass with outputs and lossValue. Error per parameter: ||g - ref|| / max(||ref||, 1e-12);
a row's figure is the maximum over parameters (and the forward values). The approximate and
stochastic algorithms (${titles(ALGORITHM_NAMES.filter((a) => !checkedAlgorithms().includes(a)))}) have no reference gradients; the test suite
checks them against their definitions and their means.

  --reference FILE  the reference file (e.g. fixtures/reference-public.json)
  --tolerance T     pass threshold (default 1e-8)
  --seed S          seed of the random chunk lengths (default 0)
  --json            print exactly one JSON object (schema ostl-gradcheck/1)

Exit status: 0 all pass, 1 any fails, 2 unreadable or invalid file or flags.`;

/**
 * `ostl gradcheck`: the reference-data check of every gradient algorithm.
 *
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { gradcheckCommand } from "@ostl/cli";
 * const file = JSON.parse(readFileSync("fixtures/reference-public.json", "utf8"));
 * const path = join(mkdtempSync(join(tmpdir(), "ref-")), "one-case.json");
 * writeFileSync(path, JSON.stringify({ ...file, cases: file.cases.slice(0, 1) }));
 * // prints a table of the six runs and "6 passed, 0 failed (tolerance 1e-8)"; the exit code is 0 when all pass
 * console.log(await gradcheckCommand.run(["--reference", path])); // 0
 * console.log(await gradcheckCommand.run(["--reference", path, "--tolerance", "0"])); // 1
 * ```
 */
export const gradcheckCommand: Command = {
  name: "gradcheck",
  summary: `check ${titles(checkedAlgorithms())} against external reference gradients`,
  usage,
  async run(argv) {
    const { values } = parseFlags("gradcheck", argv, {
      reference: { type: "string" },
      tolerance: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
    });
    if (values.reference === undefined) throw new UsageError("--reference FILE is required");
    const tolerance = numberFlag("--tolerance", values.tolerance, { min: 0 }) ?? 1e-8;
    const seed = numberFlag("--seed", values.seed, { min: 0, integer: true }) ?? 0;
    let text: string;
    try {
      text = readFileSync(values.reference, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read --reference ${values.reference}: ${(error as Error).message}`);
    }
    let report: GradcheckReport;
    try {
      report = runGradcheck(text, values.reference, tolerance, seed);
    } catch (error) {
      if (error instanceof ReferenceFileError) throw new UsageError(error.message);
      throw error;
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      const rows = report.results.map((r) => [r.case, r.algorithm, r.chunked ? "chunks" : "steps", r.maxRelError.toExponential(2), r.pass ? "pass" : "FAIL"]);
      console.log(formatTable(["case", "algorithm", "fed as", "max rel error", ""], rows));
      console.log(`\n${report.passed} passed, ${report.failed} failed (tolerance ${tolerance})`);
    }
    return report.failed === 0 ? 0 : 1;
  },
};

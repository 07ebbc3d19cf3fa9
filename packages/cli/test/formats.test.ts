import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import type { z } from "zod";
import {
  benchReportSchema,
  CHECKPOINT_FILE,
  evalReportSchema,
  runCheckpointSchema,
  type BenchReport,
  compareNetwork,
  type CompareResults,
  compareResultsSchema,
  compileReportSchema,
  type GradcheckReport,
  gradcheckReportSchema,
  JSON_FORMATS,
  jsonSchemaText,
  type LayerProgram,
  main,
  parseTrainConfig,
  type ProgramSizes,
  provenance,
  runGradcheck,
  runScaling,
  runStudy,
  runTrain,
  type StudyResults,
  studyResultsSchema,
  type TrainReport,
  trainReportSchema,
  type UncompiledProgram,
} from "@ostl/cli";
import { algorithmChoice } from "@ostl/ostl";
import { addTask, datasetNetwork, rnn, withMaskedLoss } from "@ostl/models";
import { repoRoot } from "../../../test-support/examples.js";
import { captureOutput } from "./capture.js";

// bench measures for minutes: its figures are replaced by made-up ones, the report is the command's own
vi.mock("../src/bench/ostl-costs.js", async (original) => ({
  ...(await original<typeof import("../src/bench/ostl-costs.js")>()),
  ostlOverForward: () => ({ forwardMs: 1, ostlMs: 4, ratio: 4 }),
  ostlOverRtrl: () => ({ rtrlMs: 10, ostlMs: 4, ratio: 0.4 }),
  memoryGrowth: () => 1,
}));
vi.mock("../src/bench/tfjs-peer.js", async (original) => ({
  ...(await original<typeof import("../src/bench/tfjs-peer.js")>()),
  bpttVsTfjs: async (backends: string[]) => backends.map((backend) => ({ backend, oursMs: 1, tfjsMs: 2, ratio: 0.5, maxRelDiff: 1e-7 })),
}));
vi.mock("../src/bench/op-overhead.js", () => ({ measureOpOverhead: () => ({ plainNs: 100, recordedNs: 350, overheadNs: 250, backwardNs: 300 }) }));

afterEach(() => {
  vi.restoreAllMocks();
});

/** A value as a JSON file holds it: NaN and infinities become null, undefined fields vanish. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Every problem of `value` under `schema`, as zod words it, each with its path. */
function problems(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

/** The type an interface's values have once written as JSON and read back: no readonly arrays. */
type Written<T> = T extends readonly (infer U)[] ? Written<U>[] : T extends object ? { -readonly [K in keyof T]: Written<T[K]> } : T;

describe("the JSON Schema files in schemas/", () => {
  it("are what the zod schemas generate, one per format and no other", () => {
    expect(readdirSync(join(repoRoot, "schemas")).sort()).toEqual(JSON_FORMATS.map((f) => f.file).sort());
    for (const format of JSON_FORMATS) {
      expect(readFileSync(join(repoRoot, "schemas", format.file), "utf8"), `${format.file}: run pnpm schemas`).toBe(jsonSchemaText(format));
    }
  });

  it("name their format and require its top-level fields", () => {
    const gradcheck = JSON.parse(readFileSync(join(repoRoot, "schemas", "ostl-gradcheck-1.schema.json"), "utf8"));
    expect(gradcheck.title).toBe("ostl-gradcheck/1");
    expect(gradcheck.properties.schema.const).toBe("ostl-gradcheck/1");
    expect(gradcheck.required).toEqual(["schema", "tolerance", "results", "passed", "failed"]);
    const reference = JSON.parse(readFileSync(join(repoRoot, "schemas", "ostl-reference-1.schema.json"), "utf8"));
    expect(reference.properties.cases.items.required).toContain("grads");
  });
});

describe("what the commands write validates against its schema", () => {
  const reference = JSON.parse(readFileSync(join(repoRoot, "fixtures/reference-public.json"), "utf8"));

  it("ostl-gradcheck/1: a gradient check of two cases", () => {
    const report = asJson(runGradcheck(JSON.stringify({ ...reference, cases: reference.cases.slice(0, 2) }), "two.json", 1e-8, 0));
    expect(problems(gradcheckReportSchema, report)).toEqual([]);
    expect((report as GradcheckReport).results).toHaveLength(12);
  });

  it("ostl-train/1: metrics.json of a two-epoch run, and the --json report", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "ostl-formats-")), "copy");
    const io = captureOutput();
    expect(await runTrain(parseTrainConfig(["--task", "copy", "--cell", "rnn", "--hidden", "4", "--epochs", "2", "--examples", "8,2,2", "--json", "--out", out]))).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.status).toBe("done");
    expect(problems(trainReportSchema, metrics)).toEqual([]);
    expect(problems(trainReportSchema, JSON.parse(io.stdout()))).toEqual([]);
  });

  it("ostl-checkpoint/1 and ostl-eval/1: a run's checkpoint.json, and ostl eval --json on it", async () => {
    const io = captureOutput();
    const out = join(mkdtempSync(join(tmpdir(), "ostl-formats-")), "run");
    expect(await runTrain(parseTrainConfig(["--task", "copy", "--cell", "ssnu", "--hidden", "4", "--epochs", "1", "--examples", "8,2,2", "--out", out]))).toBe(0);
    const checkpoint = JSON.parse(readFileSync(join(out, CHECKPOINT_FILE), "utf8"));
    expect(problems(runCheckpointSchema, checkpoint)).toEqual([]);
    io.out.length = 0;
    expect(await main(["eval", out, "--split", "all", "--json"])).toBe(0);
    expect(problems(evalReportSchema, JSON.parse(io.stdout()))).toEqual([]);
    // the run's own figures: a checkpoint whose params lost an array fails on that field
    const { W: _, ...rest } = checkpoint.checkpoint.params.layer0;
    expect(problems(runCheckpointSchema, { ...checkpoint, checkpoint: { ...checkpoint.checkpoint, params: { ...checkpoint.checkpoint.params, layer0: { ...rest, W: { shape: [4, 3], dtype: "float16", float64: "" } } } } })).toEqual([
      expect.stringMatching(/^checkpoint\.params\.layer0\.W\.dtype: /),
    ]);
  });

  it("ostl-compare/2: a comparison of one network with the scaling sweeps", () => {
    const net = compareNetwork({ name: "rnn", cell: rnn(), layers: 2 }, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0, rounds: 2 });
    const results: CompareResults = {
      schema: "ostl-compare/2",
      config: { T: 5, hiddenSize: 4, inputSize: 3, seed: 0, rounds: 2, layers: [2], cells: ["rnn"] },
      provenance: provenance(["compare"]),
      networks: [net],
      scaling: runScaling({ Ts: [5], ns: [2], nSteps: 2, rounds: 2, seed: 0 }),
    };
    expect(problems(compareResultsSchema, asJson(results))).toEqual([]);
  }, 60_000);

  it("ostl-study/1: a study of two seeds, with a window whose loss is NaN written as null", () => {
    const data = addTask({ length: 12, lags: [2, 4], examples: [8, 2, 2], seed: 0 });
    const settings = { trainWith: algorithmChoice("bptt"), algos: [algorithmChoice("rtrl"), algorithmChoice("kfrtrl")], seeds: 2, steps: 4, every: 2, learningRate: 0.01 };
    const results = runStudy(withMaskedLoss(datasetNetwork(data, rnn(), 4)), data, { task: "add", cell: "rnn", hidden: 4 }, settings);
    const written = asJson({ ...results, provenance: provenance(["study"]), loss: { ...results.loss, bptt: { ...results.loss.bptt!, mean: [NaN, 1] } } });
    expect(problems(studyResultsSchema, written)).toEqual([]);
  });

  it("ostl-bench/1: the report bench --json prints", async () => {
    const io = captureOutput();
    expect(await main(["bench", "--json", "--quiet"])).toBe(0);
    expect(problems(benchReportSchema, JSON.parse(io.stdout()))).toEqual([]);
  });

  it("ostl-compile/1: the programs of an LSTM layer, batched", async () => {
    const io = captureOutput();
    expect(await main(["compile", "--cell", "lstm", "--batch", "2", "--json"])).toBe(0);
    expect(problems(compileReportSchema, JSON.parse(io.stdout()))).toEqual([]);
  });

  it("the reference fixture and a JSB Chorales file validate as input formats", () => {
    const [referenceFormat, jsbFormat] = JSON_FORMATS;
    expect(problems(referenceFormat!.schema, reference)).toEqual([]);
    expect(problems(jsbFormat!.schema, { train: [[[60, 64], [62]]], valid: [[[60], []]], test: [[[67], [69]]] })).toEqual([]);
  });
});

describe("an invalid file fails, naming the field", () => {
  const report = { schema: "ostl-gradcheck/1", tolerance: 1e-8, results: [{ case: "rnn-L1-small", algorithm: "ostl", chunked: false, maxRelError: 1e-15, pass: true }], passed: 1, failed: 0 };

  it.each([
    ["a missing field", { ...report, failed: undefined }, "failed: Invalid input: expected number, received undefined"],
    ["a wrong type", { ...report, results: [{ ...report.results[0], pass: "yes" }] }, "results.0.pass: Invalid input: expected boolean, received string"],
    ["another format's tag", { ...report, schema: "ostl-bench/1" }, 'schema: Invalid input: expected "ostl-gradcheck/1"'],
    ["an unknown algorithm", { ...report, results: [{ ...report.results[0], algorithm: "adam" }] }, "results.0.algorithm: Invalid option"],
  ])("%s", (_what, value, problem) => {
    expect(problems(gradcheckReportSchema, value)).toEqual([expect.stringContaining(problem)]);
  });

  it("in each output format: a top-level field missing, a nested one of the wrong type", () => {
    const cases: [z.ZodType, unknown, string][] = [
      [trainReportSchema, { schema: "ostl-train/1", config: parseTrainConfig(["--task", "copy", "--cell", "rnn"]) }, "history"],
      [trainReportSchema, { schema: "ostl-train/1", config: { ...parseTrainConfig(["--task", "copy", "--cell", "rnn"]), hidden: "4" }, history: [] }, "config.hidden"],
      [compareResultsSchema, { schema: "ostl-compare/2", config: { T: 5, hiddenSize: 4, inputSize: 3, seed: 0, layers: [1], cells: ["rnn"] }, networks: [] }, "scaling"],
      [studyResultsSchema, { schema: "ostl-study/1" }, "config"],
      [benchReportSchema, { schema: "ostl-bench/1", results: {}, details: {} }, "results.ostlOverForward"],
      [compileReportSchema, { schema: "ostl-compile/1", cell: "rnn", sizes: { hidden: 4, input: 3, batch: 0, dtype: "float64" }, programs: [], uncompiled: [] }, "sizes.batch"],
    ];
    for (const [schema, value, field] of cases) expect(problems(schema, value)[0]).toMatch(new RegExp(`^${field.replace(".", "\\.")}: `));
  });
});

describe("the schemas accept every value of the types the commands write", () => {
  it("the report interfaces", () => {
    expectTypeOf<Written<GradcheckReport>>().toExtend<z.input<typeof gradcheckReportSchema>>();
    expectTypeOf<Written<TrainReport>>().toExtend<z.input<typeof trainReportSchema>>();
    expectTypeOf<Written<CompareResults>>().toExtend<z.input<typeof compareResultsSchema>>();
    expectTypeOf<Written<StudyResults>>().toExtend<z.input<typeof studyResultsSchema>>();
    expectTypeOf<Written<BenchReport>>().toExtend<z.input<typeof benchReportSchema>>();
    type CompileReport = { schema: "ostl-compile/1"; cell: string; sizes: ProgramSizes; programs: (Pick<LayerProgram, "name" | "signature" | "source" | "maxRelativeError"> & { checked: true })[]; uncompiled: UncompiledProgram[] };
    expectTypeOf<Written<CompileReport>>().toExtend<z.input<typeof compileReportSchema>>();
  });
});

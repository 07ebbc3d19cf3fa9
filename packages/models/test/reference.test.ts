import { readFileSync } from "node:fs";
import { add, type Tensor } from "@ostl/autodiff";
import { describe, expect, it } from "vitest";
import { buildReferenceCase, parseReferenceFile, REFERENCE_CELLS, type ReferenceCase, referenceCell, ReferenceFileError } from "@ostl/models";
import { flat, relativeError } from "./helpers.js";

const FIXTURE = new URL("../../../fixtures/reference-public.json", import.meta.url);
const text = readFileSync(FIXTURE, "utf8");
const file = parseReferenceFile(text, "reference-public.json");

/** Relative error (||a - b|| / ||b||) of a sequence of tensors against the expected one, all entries together. */
const sequenceError = (got: readonly Tensor[], want: readonly Tensor[]) => relativeError(got.flatMap(flat), want.flatMap(flat));

/** Runs a case forward from the zero state; returns the relative errors of the outputs, of each layer's outputs, and of the summed loss. */
function forwardErrors(c: ReferenceCase): number[] {
  const { network, params, inputs, targets, expected } = buildReferenceCase(c);
  let state = network.initialState();
  let loss: Tensor | null = null;
  const outputs: Tensor[] = [];
  const layerOutputs: Tensor[][] = expected.layerOutputs.map(() => []);
  inputs.forEach((x, t) => {
    const out = network.step(params, state, x);
    state = out.state;
    outputs.push(out.logits);
    out.layerOutputs.forEach((y, l) => layerOutputs[l]!.push(y));
    const lt = network.spec.loss(out.logits, targets[t]!);
    loss = loss === null ? lt : add(loss, lt);
  });
  return [
    sequenceError(outputs, expected.outputs),
    ...layerOutputs.map((ys, l) => sequenceError(ys, expected.layerOutputs[l]!)),
    Math.abs(flat(loss!)[0]! - expected.lossValue) / Math.abs(expected.lossValue),
  ];
}

describe("reference data: forward pass", () => {
  it("holds 28 cases over the seven reference cells", () => {
    expect(file.cases).toHaveLength(28);
    expect(new Set(file.cases.map((c) => c.cell))).toEqual(new Set(REFERENCE_CELLS));
  });

  it.each(file.cases.map((c) => [c.name, c] as const))("%s: outputs, layer outputs and loss match to 1e-12", (_name, c) => {
    const errors = forwardErrors(c);
    expect(errors).toHaveLength(c.sizes.length + 1);
    for (const e of errors) expect(e).toBeLessThanOrEqual(1e-12);
  });

  it("reports the largest forward error over all cases", () => {
    const worst = Math.max(...file.cases.flatMap(forwardErrors));
    console.log(`max relative forward error over ${file.cases.length} reference cases: ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-12);
  });
});

describe("reference data: building a case", () => {
  it("nests parameters and gradients as the network's trees, in float64", () => {
    const c = file.cases.find((k) => k.name === "lstm-L2-small")!;
    const setup = buildReferenceCase(c);
    expect(Object.keys(setup.params)).toEqual(["layer0", "layer1", "readout"]);
    expect(setup.params.layer1!.W_i!.shape).toEqual([3, 4]);
    expect(setup.params.readout!.W!.dtype).toBe("float64");
    expect(flat(setup.params.layer0!.U_f!)).toEqual((c.params["layer0.U_f"] as number[][]).flat());
    expect(flat(setup.expected.bptt.readout!.b!)).toEqual(c.grads.bptt["readout.b"]);
    expect(flat(setup.expected.ostl.layer0!.W_o!)).toEqual((c.grads.ostl["layer0.W_o"] as number[][]).flat());
    expect(setup.inputs).toHaveLength(c.T);
    expect(setup.inputs[0]!.shape).toEqual([3]);
    expect(setup.targets[0]!.shape).toEqual([2]);
    expect(setup.expected.layerOutputs[1]![0]!.shape).toEqual([3]);
  });

  it("referenceCell builds the reference SNU family with relu, the case's decay and surrogate", () => {
    expect(referenceCell("rsnu", { kind: "sigmoid-derivative", slope: 4 }, { decay: 0.8 }).name).toBe("rsnu");
    expect(() => referenceCell("snu", null, { decay: 0.8 })).toThrow(`referenceCell: cell 'snu' needs a surrogate { kind: "sigmoid-derivative", slope }`);
    expect(() => referenceCell("ssnu")).toThrow("referenceCell: cell 'ssnu' needs constants.decay");
    expect(() => referenceCell("elman")).toThrow("referenceCell: unknown reference cell 'elman' (known: rnn, lstm, gru, snu, ssnu, rsnu, rssnu)");
  });
});

type Raw = Record<string, unknown> & { cases: Record<string, unknown>[] };

/** The public file with `edit` applied to a fresh copy, parsed as `reference.json`. */
function parseEdited(edit: (raw: Raw) => void): () => unknown {
  const raw = JSON.parse(text) as Raw;
  edit(raw);
  return () => parseReferenceFile(JSON.stringify(raw), "reference.json");
}

const first = (raw: Raw) => raw.cases[0]! as Record<string, any>;
const snuCase = (raw: Raw) => raw.cases.find((c) => c.name === "snu-L1-small")! as Record<string, any>;

describe("reference data: malformed files", () => {
  const cases: [string, (raw: Raw) => void, string][] = [
    ["wrong schema", (r) => (r.schema = "ostl-reference/2"), `reference.json: field 'schema' must be "ostl-reference/1", got "ostl-reference/2"`],
    ["no cases", (r) => (r.cases = []), "reference.json: field 'cases' must be a non-empty list of cases"],
    ["missing name", (r) => delete first(r).name, "reference.json: field 'cases[0].name' is missing"],
    ["empty name", (r) => (first(r).name = ""), `reference.json: field 'cases[0].name' must be a non-empty string, got ""`],
    ["duplicate names", (r) => (r.cases[1]!.name = "rnn-L1-small"), "reference.json: field 'cases' has two cases named 'rnn-L1-small'"],
    ["missing field", (r) => delete first(r).inputs, "reference.json: case 'rnn-L1-small': field 'inputs' is missing"],
    ["unknown cell", (r) => (first(r).cell = "elman"), `reference.json: case 'rnn-L1-small': field 'cell' must be one of rnn, lstm, gru, snu, ssnu, rsnu, rssnu, got "elman"`],
    ["bad sizes", (r) => (first(r).sizes = [3]), "reference.json: case 'rnn-L1-small': field 'sizes' must be a list [inputSize, hidden_1, …] of at least 2 positive integers"],
    ["absurd width, refused before any allocation", (r) => (first(r).sizes = [3, 1e9]), "reference.json: case 'rnn-L1-small': field 'sizes[1]' must be a positive integer, at most 1024, got 1000000000"],
    ["bad T", (r) => (first(r).T = 0), "reference.json: case 'rnn-L1-small': field 'T' must be a positive integer"],
    ["bad loss", (r) => (first(r).loss = "hinge"), `reference.json: case 'rnn-L1-small': field 'loss' must be "mse" or "xent", got "hinge"`],
    ["wrong matrix size", (r) => first(r).params["layer0.W"].pop(), "reference.json: case 'rnn-L1-small': field 'params.layer0.W' must be a 4x3 matrix of finite numbers (it has 3 entries)"],
    ["short matrix row", (r) => first(r).params["layer0.W"][1].pop(), "reference.json: case 'rnn-L1-small': field 'params.layer0.W' must be a 4x3 matrix of finite numbers (entry[1] has 2 entries)"],
    ["non-number entry", (r) => (first(r).params["readout.b"][1] = "x"), `reference.json: case 'rnn-L1-small': field 'params.readout.b' must be finite numbers in nested lists (entry[1] is "x")`],
    ["missing parameter", (r) => delete first(r).params["layer0.U"], "reference.json: case 'rnn-L1-small': field 'params.layer0.U' is missing"],
    ["unexpected parameter", (r) => (first(r).params["layer0.H"] = [[0]]), "reference.json: case 'rnn-L1-small': field 'params' has an unexpected entry 'layer0.H' (expected: layer0.W, layer0.U, layer0.b, readout.W, readout.b)"],
    ["wrong input width", (r) => first(r).inputs[2].push(0), "reference.json: case 'rnn-L1-small': field 'inputs' must be a 5x3 matrix of finite numbers (entry[2] has 4 entries)"],
    ["too few targets", (r) => first(r).targets.pop(), "reference.json: case 'rnn-L1-small': field 'targets' must be a 5x2 matrix of finite numbers (it has 4 entries)"],
    ["wrong outputs", (r) => (first(r).outputs[0][0] = null), "reference.json: case 'rnn-L1-small': field 'outputs[0][0]' must be a finite number, got null"],
    ["layer outputs per layer", (r) => first(r).layerOutputs.push([]), "reference.json: case 'rnn-L1-small': field 'layerOutputs' must be a list of 1 per-layer 5-step sequences"],
    ["layer output width", (r) => first(r).layerOutputs[0][4].pop(), "reference.json: case 'rnn-L1-small': field 'layerOutputs[0]' must be a 5x4 matrix of finite numbers (entry[4] has 3 entries)"],
    ["loss value", (r) => (first(r).lossValue = "1.0"), "reference.json: case 'rnn-L1-small': field 'lossValue' must be a finite number"],
    ["missing bptt gradient", (r) => delete first(r).grads.bptt, "reference.json: case 'rnn-L1-small': field 'grads.bptt' is missing"],
    ["wrong ostl gradient", (r) => (first(r).grads.ostl["layer0.b"] = [1, 2, 3]), "reference.json: case 'rnn-L1-small': field 'grads.ostl.layer0.b' must be a vector of 4 finite numbers (it has 3 entries)"],
    ["missing decay", (r) => (snuCase(r).constants = {}), "reference.json: case 'snu-L1-small': field 'constants.decay' is missing (cell 'snu' needs its fixed decay)"],
    ["non-number constant", (r) => (snuCase(r).constants.decay = "0.8"), `reference.json: case 'snu-L1-small': field 'constants.decay' must be a finite number, got "0.8"`],
    ["missing surrogate", (r) => (snuCase(r).surrogate = null), `reference.json: case 'snu-L1-small': field 'surrogate' must be { "kind": "sigmoid-derivative", "slope": k } for cell 'snu'`],
    ["unknown surrogate", (r) => (snuCase(r).surrogate.kind = "triangle"), `reference.json: case 'snu-L1-small': field 'surrogate.kind' must be "sigmoid-derivative", got "triangle"`],
    ["bad slope", (r) => (snuCase(r).surrogate.slope = -4), "reference.json: case 'snu-L1-small': field 'surrogate.slope' must be a positive finite number, got -4"],
    ["stray surrogate", (r) => (first(r).surrogate = { kind: "sigmoid-derivative", slope: 4 }), "reference.json: case 'rnn-L1-small': field 'surrogate' must be null for cell 'rnn'"],
    ["params of another cell", (r) => (snuCase(r).cell = "rsnu"), "reference.json: case 'snu-L1-small': field 'params.layer0.H' is missing"],
  ];

  it.each(cases)("%s", (_what, edit, message) => {
    expect(parseEdited(edit)).toThrow(message);
    expect(parseEdited(edit)).toThrow(ReferenceFileError);
  });

  it("invalid JSON names the file", () => {
    expect(() => parseReferenceFile("{", "broken.json")).toThrow(/^broken\.json: is not valid JSON \(/);
    expect(() => parseReferenceFile("{", "broken.json")).toThrow(ReferenceFileError);
  });

  it("a top level that is not an object", () => {
    expect(() => parseReferenceFile("[]", "list.json")).toThrow("list.json: must be an object { schema, cases }, got a list");
  });
});

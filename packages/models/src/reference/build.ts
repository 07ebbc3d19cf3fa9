/**
 * Turning a validated reference case into a network, its parameters and the expected values.
 *
 * @module
 */
import { type NDArray, tensor } from "@ostl/core";
import { Network, type NetworkParams } from "@ostl/ostl";
import { mse, softmaxCrossEntropy } from "../losses.js";
import { referenceCell } from "./cells.js";
import type { FlatParamValues, ReferenceCase } from "./parse.js";

/**
 * A reference case ready to run: the network, its parameters, the sequence and the expected values.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { buildReferenceCase, parseReferenceFile, type ReferenceSetup } from "@ostl/models";
 * const file = parseReferenceFile(readFileSync("fixtures/reference-public.json", "utf8"), "reference-public.json");
 * const setup: ReferenceSetup = buildReferenceCase(file.cases[0]!);
 * console.log(setup.name, setup.expected.lossValue); // rnn-L1-small 1.0679025735374055
 * ```
 */
export interface ReferenceSetup {
  readonly name: string;
  readonly network: Network;
  /** float64 parameters `{ layer0: {...}, …, readout: { W, b } }`. */
  readonly params: NetworkParams;
  /** T inputs of shape `[inputSize]`. */
  readonly inputs: readonly NDArray[];
  /** T targets of shape `[outputSize]`. */
  readonly targets: readonly NDArray[];
  readonly expected: {
    /** T readouts of shape `[outputSize]`. */
    readonly outputs: readonly NDArray[];
    /** `layerOutputs[l][t]`: layer l's output y at step t, shape `[hidden_l]`. */
    readonly layerOutputs: readonly (readonly NDArray[])[];
    /** The loss summed over the sequence. */
    readonly lossValue: number;
    /** The exact gradient, shaped like `params`. */
    readonly bptt: NetworkParams;
    /** The OSTL gradient, shaped like `params`. */
    readonly ostl: NetworkParams;
  };
}

/** `{ "layer0.W": [...], "readout.b": [...] }` as float64 tensors `{ layer0: { W }, readout: { b } }`. */
function nest(flat: FlatParamValues): NetworkParams {
  const out: Record<string, Record<string, NDArray>> = {};
  for (const [key, value] of Object.entries(flat)) {
    const dot = key.indexOf(".");
    const group = key.slice(0, dot);
    (out[group] ??= {})[key.slice(dot + 1)] = tensor(value, { dtype: "float64" });
  }
  return out;
}

const rows = (values: readonly (readonly number[])[]): NDArray[] => values.map((r) => tensor([...r], { dtype: "float64" }));

/**
 * Builds a reference case: a {@link Network} of `sizes.length - 1` layers of the case's cell (see
 * {@link referenceCell}), its loss (`mse` or `softmaxCrossEntropy` for `xent`), the case's
 * parameters, inputs and targets as float64 tensors, and the expected forward values and gradients.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { buildReferenceCase, parseReferenceFile } from "@ostl/models";
 * const file = parseReferenceFile(readFileSync("fixtures/reference-public.json", "utf8"), "reference-public.json");
 * import { allClose, type NDArray } from "@ostl/core";
 * const { network, params, inputs, expected } = buildReferenceCase(file.cases[0]!);
 * const first = network.step(params, network.initialState(), inputs[0]!).logits as NDArray;
 * console.log(allClose(first, expected.outputs[0]!, 1e-12, 1e-12)); // true
 * ```
 */
export function buildReferenceCase(c: ReferenceCase): ReferenceSetup {
  const cell = referenceCell(c.cell, c.surrogate, c.constants);
  const network = new Network({
    inputSize: c.sizes[0]!,
    layers: c.sizes.slice(1).map((hiddenSize) => ({ cell, hiddenSize })),
    outputSize: c.outputSize,
    loss: c.loss === "mse" ? mse : softmaxCrossEntropy,
  });
  return {
    name: c.name,
    network,
    params: nest(c.params),
    inputs: rows(c.inputs),
    targets: rows(c.targets),
    expected: {
      outputs: rows(c.outputs),
      layerOutputs: c.layerOutputs.map(rows),
      lossValue: c.lossValue,
      bptt: nest(c.grads.bptt),
      ostl: nest(c.grads.ostl),
    },
  };
}

/**
 * Checkpoints of a training run: everything {@link train} carries from one epoch to the next
 * (the params, the optimizer's state, the state of the generator that shuffles the data), with
 * the epochs finished and their figures, as a JSON value that gives back the same bits.
 *
 * Arrays are stored as the base64 of their float64 bytes (little-endian), so every value comes
 * back bit for bit (-0, subnormals and the last bit included), float32 arrays with their dtype.
 *
 * @module
 */
import { astype, type DType, fromTyped, type NDArray, ValueError } from "@ostl/core";
import type { NetworkArrays } from "@ostl/ostl";
import { z } from "zod";
import { fieldProblems } from "../json-input.js";
import type { OptimizerState } from "../optim/optimizer.js";
import type { EpochMetrics } from "./train.js";

/**
 * The state of a run after an epoch: resuming from it with {@link train}'s `firstEpoch` set to
 * `epoch + 1` gives the epochs an uninterrupted run would have given, to the bit.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { adam, copyTask, datasetNetwork, rnn, train, type Checkpoint } from "@ostl/models";
 * const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [8, 2, 2], seed: 0 });
 * const net = datasetNetwork(data, rnn(), 8);
 * const [optimizer, shuffle] = [adam({ learningRate: 0.01 }), new PRNG(2)];
 * const saved: Checkpoint[] = [];
 * await train(net, net.init(new PRNG(1)), data, { algorithm: "bptt", optimizer, epochs: 2, shuffle }, {
 *   onEpoch: (m, params) => void saved.push({ epoch: m.epoch, history: [m], params, optimizer: optimizer.state(), shuffle: shuffle.getState() }),
 * });
 * console.log(saved.map((c) => c.epoch), saved[1]!.optimizer.steps, saved[1]!.shuffle!.length); // [1, 2] 16 4
 * ```
 */
export interface Checkpoint {
  /** Epochs finished. */
  readonly epoch: number;
  /** Their figures, in order. */
  readonly history: readonly EpochMetrics[];
  /** The params after the last finished epoch. */
  readonly params: NetworkArrays;
  readonly optimizer: OptimizerState;
  /** The state of the generator that orders the training data ({@link PRNG.getState}); null when the data is not shuffled. */
  readonly shuffle: readonly number[] | null;
}

/** An array as stored: its shape, its dtype and the base64 of its entries as float64. */
const storedArray = z.object({ shape: z.array(z.number().int().nonnegative()), dtype: z.enum(["float64", "float32"]), float64: z.base64() });
const epochMetrics = z.looseObject({ epoch: z.number().int().positive(), train: z.number(), valid: z.number(), test: z.number(), seconds: z.number() });
/**
 * The zod schema of a checkpoint as JSON (what {@link checkpointToJson} returns): arrays as
 * `{ shape, dtype, float64 }` with the base64 of their float64 bytes.
 *
 * @example
 * ```ts
 * import { checkpointJsonSchema } from "@ostl/models";
 * console.log(checkpointJsonSchema.safeParse({ epoch: 1 }).success); // false
 * ```
 */
export const checkpointJsonSchema = z.object({
  epoch: z.number().int().nonnegative(),
  history: z.array(epochMetrics),
  params: z.record(z.string(), z.record(z.string(), storedArray)),
  optimizer: z.object({
    name: z.string(),
    steps: z.number().int().nonnegative(),
    structure: z.object({ def: z.string(), shapes: z.array(z.string()) }).nullable(),
    slots: z.array(z.array(z.base64())),
  }),
  shuffle: z.array(z.number().int().min(0).max(0xffffffff)).length(4).nullable(),
});

/**
 * A checkpoint as JSON-ready data (see {@link checkpointToJson}).
 *
 * @example
 * ```ts
 * import { type CheckpointJson } from "@ostl/models";
 * const empty: CheckpointJson = { epoch: 0, history: [], params: {}, optimizer: { name: "sgd", steps: 0, structure: null, slots: [] }, shuffle: null };
 * console.log(Object.keys(empty)); // ["epoch", "history", "params", "optimizer", "shuffle"]
 * ```
 */
export type CheckpointJson = z.infer<typeof checkpointJsonSchema>;

function encodeFloats(values: Float64Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = "";
  // in chunks: String.fromCharCode takes its bytes as arguments
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function decodeFloats(text: string, where: string): Float64Array {
  const binary = atob(text);
  if (binary.length % 8 !== 0) throw new ValueError("checkpointFromJson", `${where}: ${binary.length} bytes is not a whole number of float64 entries`);
  const values = new Float64Array(binary.length / 8);
  const bytes = new Uint8Array(values.buffer);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return values;
}

/**
 * A checkpoint as JSON-ready data: arrays as base64 of their float64 bytes, everything else as it is.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { checkpointFromJson, checkpointToJson, rnn, sgd } from "@ostl/models";
 * import { Network } from "@ostl/ostl";
 * import { mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const text = JSON.stringify(checkpointToJson({ epoch: 0, history: [], params, optimizer: sgd({ learningRate: 0.1 }).state(), shuffle: null }));
 * const back = checkpointFromJson(JSON.parse(text)).params;
 * console.log(back.layer0!.W!.toFlat().every((x, i) => Object.is(x, params.layer0!.W!.toFlat()[i]))); // true
 * ```
 */
export function checkpointToJson(checkpoint: Checkpoint): CheckpointJson {
  const params: Record<string, Record<string, z.infer<typeof storedArray>>> = {};
  for (const [layer, record] of Object.entries(checkpoint.params)) {
    params[layer] = {};
    for (const [name, x] of Object.entries(record)) params[layer][name] = { shape: [...x.shape], dtype: x.dtype as "float64" | "float32", float64: encodeFloats(Float64Array.from(x.toFlat())) };
  }
  const { optimizer } = checkpoint;
  return {
    epoch: checkpoint.epoch,
    history: checkpoint.history.map((m) => ({ ...m })),
    params,
    optimizer: {
      name: optimizer.name,
      steps: optimizer.steps,
      structure: optimizer.structure === null ? null : { def: optimizer.structure.def, shapes: [...optimizer.structure.shapes] },
      slots: optimizer.slots.map((leaf) => leaf.map(encodeFloats)),
    },
    shuffle: checkpoint.shuffle === null ? null : [...checkpoint.shuffle],
  };
}

/**
 * The checkpoint that {@link checkpointToJson} wrote, checked field by field.
 *
 * @throws {@link ValueError} naming the field that is missing or of the wrong type, or an array
 *   whose entries do not fill its shape.
 * @example
 * ```ts
 * import { checkpointFromJson } from "@ostl/models";
 * try {
 *   checkpointFromJson({ epoch: 2, history: [], params: { layer0: { W: { shape: [2], dtype: "float64" } } } });
 * } catch (e) {
 *   console.log((e as Error).message); // checkpointFromJson: field 'params.layer0.W.float64': expected string, received undefined; field 'optimizer': expected object, received undefined; field 'shuffle': expected array, received undefined
 * }
 * ```
 */
export function checkpointFromJson(value: unknown): Checkpoint {
  const parsed = checkpointJsonSchema.safeParse(value);
  if (!parsed.success) throw new ValueError("checkpointFromJson", fieldProblems(parsed.error));
  const json = parsed.data;
  const params: Record<string, Record<string, NDArray>> = {};
  for (const [layer, record] of Object.entries(json.params)) {
    params[layer] = {};
    for (const [name, stored] of Object.entries(record)) {
      const where = `params.${layer}.${name}`;
      const values = decodeFloats(stored.float64, where);
      const size = stored.shape.reduce((n, d) => n * d, 1);
      if (values.length !== size) throw new ValueError("checkpointFromJson", `${where}: ${values.length} entries for shape [${stored.shape.join(",")}]`);
      const x = fromTyped(values, stored.shape);
      params[layer][name] = stored.dtype === "float64" ? x : astype(x, stored.dtype as DType);
    }
  }
  const { optimizer } = json;
  const slots = optimizer.slots.map((leaf, i) => leaf.map((slot, k) => decodeFloats(slot, `optimizer.slots.${i}.${k}`)));
  return { epoch: json.epoch, history: json.history as EpochMetrics[], params, optimizer: { ...optimizer, slots }, shuffle: json.shuffle };
}

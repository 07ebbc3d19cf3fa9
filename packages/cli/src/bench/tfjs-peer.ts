import * as core from "@ostl/core";
import type { Tensor } from "@ostl/autodiff";
import { Bptt, Network, type NetworkParams } from "@ostl/ostl";
import { lstm, mse } from "@ostl/models";
import { median } from "./timing.js";

/**
 * Sizes of the LSTM both engines differentiate.
 *
 * @example
 * ```ts
 * import { bpttVsTfjs, type PeerConfig } from "@ostl/cli";
 * const tiny: PeerConfig = { hidden: 4, input: 3, output: 2, T: 3, batch: 2, reps: 1 };
 * const [cpu] = await bpttVsTfjs(["cpu"], tiny);
 * console.log(cpu!.backend, cpu!.maxRelDiff < 1e-4); // cpu true
 * ```
 */
export interface PeerConfig {
  hidden: number;
  input: number;
  output: number;
  T: number;
  batch: number;
  reps: number;
}

/**
 * The default: the LSTM of the issue (n = 128, m = 64, T = 100, batch 16, float32).
 *
 * @example
 * ```ts
 * import { PEER_CONFIG } from "@ostl/cli";
 * console.log(PEER_CONFIG); // { hidden: 128, input: 64, output: 10, T: 100, batch: 16, reps: 5 }
 * ```
 */
export const PEER_CONFIG: PeerConfig = { hidden: 128, input: 64, output: 10, T: 100, batch: 16, reps: 5 };

/**
 * Ours against TensorFlow.js on one backend.
 *
 * @example
 * ```ts
 * import { bpttVsTfjs, type PeerResult } from "@ostl/cli";
 * const [wasm]: PeerResult[] = await bpttVsTfjs(["wasm"], { hidden: 4, input: 3, output: 2, T: 3, batch: 2, reps: 1 });
 * console.log(wasm!.backend, wasm!.ratio === wasm!.oursMs / wasm!.tfjsMs); // wasm true
 * ```
 */
export interface PeerResult {
  backend: string;
  oursMs: number;
  tfjsMs: number;
  /** oursMs / tfjsMs: below 1 means ostl is faster. */
  ratio: number;
  /** Largest relative gradient difference over parameters, checked before timing. */
  maxRelDiff: number;
}

type Tf = typeof import("@tensorflow/tfjs");

async function loadTf(): Promise<Tf> {
  try {
    const tf = await import("@tensorflow/tfjs");
    await import("@tensorflow/tfjs-backend-wasm");
    return tf;
  } catch (error) {
    throw new Error(`TensorFlow.js is a development dependency of @ostl/cli used only by the benchmark; install the workspace's dev dependencies (${(error as Error).message})`);
  }
}

const GATES = ["i", "f", "g", "o"] as const;

/** BPTT gradient of the same LSTM loss written with TensorFlow.js ops in a loop over time. */
function tfGradients(tf: Tf, params: Record<string, import("@tensorflow/tfjs").Tensor>, xs: import("@tensorflow/tfjs").Tensor[], ts: import("@tensorflow/tfjs").Tensor[], cfg: PeerConfig) {
  const names = Object.keys(params).sort();
  const loss = (...values: import("@tensorflow/tfjs").Tensor[]) => {
    const p = Object.fromEntries(names.map((k, i) => [k, values[i]!]));
    let h = tf.zeros([cfg.batch, cfg.hidden]);
    let c = tf.zeros([cfg.batch, cfg.hidden]);
    let total = tf.scalar(0);
    for (let t = 0; t < cfg.T; t++) {
      const gate = (g: string) => tf.add(tf.add(tf.matMul(xs[t]!, p[`layer0.W_${g}`]!, false, true), tf.matMul(h, p[`layer0.U_${g}`]!, false, true)), p[`layer0.b_${g}`]!);
      const [i, f, gg, o] = GATES.map((g) => gate(g));
      c = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(gg!)));
      h = tf.mul(tf.sigmoid(o!), tf.tanh(c));
      const err = tf.sub(tf.add(tf.matMul(h, p["readout.W"]!, false, true), p["readout.b"]!), ts[t]!);
      total = tf.add(total, tf.mul(0.5, tf.sum(tf.mul(err, err))));
    }
    return total as import("@tensorflow/tfjs").Scalar;
  };
  return tf.tidy(() => {
    const grads = tf.grads(loss)(names.map((k) => params[k]!));
    return Object.fromEntries(names.map((k, i) => [k, grads[i]!]));
  });
}

/**
 * Times one BPTT gradient of an LSTM (same weights, same data, float32) in ostl and in
 * TensorFlow.js on each backend, after checking the gradients agree to `tolerance`.
 *
 * @example
 * ```ts
 * import { bpttVsTfjs } from "@ostl/cli";
 * const [cpu] = await bpttVsTfjs(["cpu"], { hidden: 8, input: 4, output: 2, T: 5, batch: 2, reps: 1 });
 * console.log(cpu.maxRelDiff < 1e-4); // true
 * ```
 */
export async function bpttVsTfjs(backends: readonly string[], cfg: PeerConfig = PEER_CONFIG, tolerance = 1e-4): Promise<PeerResult[]> {
  const tf = await loadTf();
  const network = new Network({ inputSize: cfg.input, layers: [{ cell: lstm(), hiddenSize: cfg.hidden }], outputSize: cfg.output, loss: mse });
  const rng = new core.PRNG(7);
  const params64 = network.init(rng.split());
  const params: NetworkParams = Object.fromEntries(Object.entries(params64).map(([k, rec]) => [k, Object.fromEntries(Object.entries(rec).map(([n, v]) => [n, core.astype(v as core.NDArray, "float32")]))]));
  const xs = Array.from({ length: cfg.T }, () => rng.normal([cfg.batch, cfg.input], 0, 1, "float32"));
  const ts = Array.from({ length: cfg.T }, () => rng.normal([cfg.batch, cfg.output], 0, 1, "float32"));
  const ours = () => {
    const bptt = new Bptt(network);
    bptt.begin(params);
    xs.forEach((x, t) => bptt.step(x as Tensor, ts[t]!));
    return bptt.gradients();
  };
  const flat = Object.fromEntries(Object.entries(params).flatMap(([k, rec]) => Object.entries(rec).map(([n, v]) => [`${k}.${n}`, v as core.NDArray])));
  const results: PeerResult[] = [];
  for (const backend of backends) {
    await tf.setBackend(backend);
    await tf.ready();
    const tfParams = Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, tf.tensor(v.toFlat(), [...v.shape], "float32")]));
    const tfXs = xs.map((x) => tf.tensor(x.toFlat(), [...x.shape], "float32"));
    const tfTs = ts.map((t) => tf.tensor(t.toFlat(), [...t.shape], "float32"));
    const runTf = () => {
      const g = tfGradients(tf, tfParams, tfXs, tfTs, cfg);
      const values = Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.dataSync()]));
      tf.dispose(Object.values(g));
      return values;
    };
    const mine = ours();
    const theirs = runTf();
    let maxRelDiff = 0;
    for (const k of Object.keys(flat)) {
      const [group, name] = k.split(".") as [string, string];
      const a = (mine[group]![name] as core.NDArray).toFlat();
      const b = theirs[k]!;
      let num = 0;
      let den = 0;
      for (let i = 0; i < a.length; i++) {
        num += (a[i]! - b[i]!) ** 2;
        den += b[i]! ** 2;
      }
      maxRelDiff = Math.max(maxRelDiff, Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12));
    }
    if (!(maxRelDiff <= tolerance)) throw new Error(`bench: ostl and TensorFlow.js (${backend}) gradients differ by ${maxRelDiff.toExponential(2)} > ${tolerance}; not timing`);
    const oursTimes: number[] = [];
    const tfTimes: number[] = [];
    for (let r = 0; r < cfg.reps; r++) {
      let t0 = performance.now();
      ours();
      oursTimes.push(performance.now() - t0);
      t0 = performance.now();
      runTf();
      tfTimes.push(performance.now() - t0);
    }
    tf.dispose([...Object.values(tfParams), ...tfXs, ...tfTs]);
    const oursMs = median(oursTimes);
    const tfjsMs = median(tfTimes);
    results.push({ backend, oursMs, tfjsMs, ratio: oursMs / tfjsMs, maxRelDiff });
  }
  return results;
}

import * as core from "@ostl/core";
import { type Cell, type GradientAlgorithm, Network, type NetworkParams, Ostl } from "@ostl/ostl";
import { mse } from "@ostl/models";
import { median } from "./timing.js";

function singleLayer(cell: Cell, n: number, m: number) {
  const network = new Network({ inputSize: m, layers: [{ cell, hiddenSize: n }], outputSize: 10, loss: mse });
  const rng = new core.PRNG(1);
  const params = network.init(rng.split());
  const xs = Array.from({ length: 64 }, () => rng.uniform([m], 0, 1));
  const target = rng.normal([10]);
  return { network, params, xs, target };
}

/**
 * Time per OSTL training step and per forward-only step, measured interleaved in one run, and
 * their ratio (the median of adjacent pairs' ratios, so not exactly ostlMs / forwardMs).
 *
 * @example
 * ```ts
 * import { ostlOverForward, type StepRatio } from "@ostl/cli";
 * import { ssnu } from "@ostl/models";
 * const r: StepRatio = ostlOverForward(ssnu(), 8, 8, 3, 5);
 * console.log(r.ostlMs > 0, r.forwardMs > 0, r.ratio > 0); // true true true
 * ```
 */
export interface StepRatio {
  forwardMs: number;
  ostlMs: number;
  /** Median over adjacent round pairs of OSTL time / forward time. */
  ratio: number;
}

/**
 * One layer of `cell` (n units, m inputs, batch 1): the time of an OSTL training step (traces,
 * learning signal, gradient accumulation) over the time of a forward-only step (the network step
 * and its loss). Measured in pairs of adjacent rounds, one of each, in alternating order, so both
 * halves of a pair see the same machine load; the ratio is the median of the pairs' ratios, the
 * times the medians of the rounds. Each OSTL round is one sequence of `stepsPerRound` steps from
 * `begin` to `gradients()`, so the traces' allocation and the final read-out are included, spread
 * over the sequence. Ten pairs run first, untimed, so both are compiled by the JIT.
 *
 * @example
 * ```ts
 * import { ostlOverForward } from "@ostl/cli";
 * import { ssnu } from "@ostl/models";
 * const r = ostlOverForward(ssnu(), 16, 16, 3, 10);
 * console.log(r.ratio > 0); // true
 * ```
 */
export function ostlOverForward(cell: Cell, n: number, m: number, rounds = 15, stepsPerRound = 100): StepRatio {
  const { network, params, xs, target } = singleLayer(cell, n, m);
  const forward = () => {
    let state = network.initialState();
    const t0 = performance.now();
    for (let t = 0; t < stepsPerRound; t++) {
      const r = network.step(params, state, xs[t % xs.length]!);
      network.spec.loss(r.logits, target);
      state = r.state;
    }
    return (performance.now() - t0) / stepsPerRound;
  };
  const ostl = new Ostl(network);
  const train = () => {
    ostl.begin(params);
    const t0 = performance.now();
    for (let t = 0; t < stepsPerRound; t++) ostl.step(xs[t % xs.length]!, target);
    ostl.gradients();
    return (performance.now() - t0) / stepsPerRound;
  };
  for (let r = 0; r < 10; r++) {
    forward();
    train();
  }
  const f: number[] = [];
  const o: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      f.push(forward());
      o.push(train());
    } else {
      o.push(train());
      f.push(forward());
    }
  }
  return { forwardMs: median(f), ostlMs: median(o), ratio: median(o.map((ms, r) => ms / f[r]!)) };
}

/**
 * Floats an algorithm holds after T steps (its tape or traces).
 *
 * @example
 * ```ts
 * import { floatsAfter } from "@ostl/cli";
 * import { Bptt, Ostl } from "@ostl/ostl";
 * import { ssnu } from "@ostl/models";
 * // sSNU, n = m = 4: BPTT records 8 state floats per step; OSTL keeps 2·(4·4 + 4) trace floats
 * console.log(floatsAfter((net) => new Bptt(net), ssnu(), 4, 4, 10), floatsAfter((net) => new Ostl(net), ssnu(), 4, 4, 10)); // 80 24
 * ```
 */
export function floatsAfter(make: (net: Network) => GradientAlgorithm, cell: Cell, n: number, m: number, T: number): number {
  const { network, params, xs, target } = singleLayer(cell, n, m);
  const algo = make(network);
  algo.begin(params as NetworkParams);
  for (let t = 0; t < T; t++) algo.step(xs[t % xs.length]!, target);
  const floats = algo.memoryFloats();
  algo.reset();
  return floats;
}

/**
 * How an algorithm's memory grows with sequence length: floats held after `long` steps over floats
 * held after `short` steps (1 for OSTL; long/short for BPTT's tape).
 *
 * @example
 * ```ts
 * import { memoryGrowth } from "@ostl/cli";
 * import { Ostl } from "@ostl/ostl";
 * import { ssnu } from "@ostl/models";
 * console.log(memoryGrowth((net) => new Ostl(net), ssnu(), 8, 8, 10, 100)); // 1
 * ```
 */
export function memoryGrowth(make: (net: Network) => GradientAlgorithm, cell: Cell, n: number, m: number, short: number, long: number): number {
  return floatsAfter(make, cell, n, m, long) / floatsAfter(make, cell, n, m, short);
}

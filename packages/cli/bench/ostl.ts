/**
 * OSTL costs, measured in one run:
 * 1. sSNU layer without H (n = m = 256, batch 1): time per OSTL training step over time per forward-only step;
 * 2. memory at T = 10,000 over T = 100 for OSTL and BPTT (trace/tape floats, and measured heap);
 * 3. the same for an LSTM layer (n = 32) with dense traces: the O(n^4) regime.
 */
import * as core from "@ostl/core";
import type { Tensor } from "@ostl/autodiff";
import { Bptt, type Cell, type GradientAlgorithm, Network, type NetworkParams, Ostl, analyze } from "@ostl/ostl";
import { lstm, mse, ssnu } from "@ostl/models";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function heapMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function setup(cell: Cell, n: number, m: number) {
  const network = new Network({ inputSize: m, layers: [{ cell, hiddenSize: n }], outputSize: 10, loss: mse });
  const rng = new core.PRNG(1);
  const params = network.init(rng.split());
  const xs = Array.from({ length: 64 }, () => rng.uniform([m], 0, 1));
  const target = rng.normal([10]);
  return { network, params, xs, target };
}

/** Median seconds per step of the forward pass alone and of an OSTL training step, interleaved in rounds. */
function stepRatio(cell: Cell, n: number, m: number, rounds: number) {
  const { network, params, xs, target } = setup(cell, n, m);
  const forward = (steps: number) => {
    let state = network.initialState();
    const t0 = performance.now();
    for (let t = 0; t < steps; t++) {
      const r = network.step(params, state, xs[t % xs.length]!);
      network.spec.loss(r.logits, target);
      state = r.state;
    }
    return (performance.now() - t0) / steps;
  };
  const ostl = new Ostl(network);
  const train = (steps: number) => {
    ostl.begin(params);
    const t0 = performance.now();
    for (let t = 0; t < steps; t++) ostl.step(xs[t % xs.length]!, target);
    ostl.gradients();
    return (performance.now() - t0) / steps;
  };
  forward(20);
  train(20);
  const f: number[] = [];
  const o: number[] = [];
  for (let r = 0; r < rounds; r++) {
    f.push(forward(20));
    o.push(train(20));
  }
  return { forwardMs: median(f), ostlMs: median(o), ratio: median(o) / median(f) };
}

/** Floats held and heap growth after T steps. */
function memoryAt(make: (net: Network) => GradientAlgorithm, cell: Cell, n: number, m: number, T: number) {
  const { network, params, xs, target } = setup(cell, n, m);
  const algo = make(network);
  const before = heapMB();
  algo.begin(params as NetworkParams);
  for (let t = 0; t < T; t++) algo.step(xs[t % xs.length] as Tensor, target);
  const floats = algo.memoryFloats();
  const heap = heapMB() - before;
  algo.reset();
  return { floats, heap };
}

function growth(make: (net: Network) => GradientAlgorithm, cell: Cell, n: number, m: number, short: number, long: number) {
  const a = memoryAt(make, cell, n, m, short);
  const b = memoryAt(make, cell, n, m, long);
  return { floats: b.floats / a.floats, heapShort: a.heap, heapLong: b.heap };
}

const out: string[] = [];
const log = (s: string) => {
  out.push(s);
  console.log(s);
};

log("bench:ostl (float64, batch 1, one run)");
const snuCell = ssnu();
const a = analyze(new Network({ inputSize: 256, layers: [{ cell: snuCell, hiddenSize: 256 }], outputSize: 10, loss: mse }));
log(`  sSNU 256x256 without H: temporal Jacobian ${a.layers[0]!.temporalJacobian}, layouts ${a.layers[0]!.params.map((p) => `${p.name}:${p.layout}`).join(" ")}, trace floats ${a.layers[0]!.traceFloats}`);
const snu = stepRatio(snuCell, 256, 256, 7);
log(`  forward step ${snu.forwardMs.toFixed(3)} ms, OSTL step ${snu.ostlMs.toFixed(3)} ms, OSTL/forward ${snu.ratio.toFixed(2)}x  target <= 3: ${snu.ratio <= 3 ? "PASS" : "MISS"}`);
const ostlGrowth = growth((net) => new Ostl(net), snuCell, 256, 256, 100, 10_000);
const bpttGrowth = growth((net) => new Bptt(net), snuCell, 256, 256, 100, 10_000);
log(`  memory T=10000 / T=100: OSTL traces ${ostlGrowth.floats.toFixed(3)}x (heap ${ostlGrowth.heapShort.toFixed(1)} -> ${ostlGrowth.heapLong.toFixed(1)} MB)  target <= 1.1: ${ostlGrowth.floats <= 1.1 ? "PASS" : "MISS"}`);
log(`                          BPTT tape ${bpttGrowth.floats.toFixed(1)}x (heap ${bpttGrowth.heapShort.toFixed(1)} -> ${bpttGrowth.heapLong.toFixed(1)} MB)`);
const lstmCell = lstm();
const l = analyze(new Network({ inputSize: 32, layers: [{ cell: lstmCell, hiddenSize: 32 }], outputSize: 10, loss: mse }));
log(`  LSTM 32: temporal Jacobian ${l.layers[0]!.temporalJacobian}, dense traces ${l.layers[0]!.traceFloats} floats (P·|s|)`);
const lstmRatio = stepRatio(lstmCell, 32, 32, 3);
log(`  forward step ${lstmRatio.forwardMs.toFixed(3)} ms, OSTL step ${lstmRatio.ostlMs.toFixed(3)} ms, OSTL/forward ${lstmRatio.ratio.toFixed(1)}x (the O(n^4) regime)`);
const lstmGrowth = growth((net) => new Ostl(net), lstmCell, 32, 32, 10, 200);
log(`  memory T=200 / T=10: OSTL traces ${lstmGrowth.floats.toFixed(3)}x`);

/**
 * Autodiff engine overheads, measured in one run:
 * 1. per-op cost on tiny tensors: plain evaluation vs recorded on a reverse-mode tape;
 * 2. grad of a 2-layer MLP loss on a 64x256 batch vs the same forward pass without recording.
 */
import * as core from "@ostl/core";
import { type Tensor, add, grad, matmul, mul, sub, sum, tanh, vjp } from "@ostl/autodiff";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeMs(fn: () => void, reps: number): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

// 1. op overhead: a chain of `chain` elementwise ops on [2]-shaped tensors
function chainOfOps(x: Tensor, y: Tensor, chain: number): Tensor {
  let v = x;
  for (let i = 0; i < chain; i++) v = i % 2 === 0 ? add(v, y) : mul(v, y);
  return v;
}

const chain = 20_000;
const x = core.tensor([0.5, -0.5]);
const y = core.tensor([1.0000001, 0.9999999]);
const plainMs = timeMs(() => void chainOfOps(x, y, chain), 15);
const recordMs = timeMs(() => void vjp((v: Tensor) => chainOfOps(v, y, chain), x), 15);
const recordAndBackwardMs = timeMs(() => void grad((v: Tensor) => sum(chainOfOps(v, y, chain)))(x), 15);
const plainNs = (plainMs * 1e6) / chain;
const recordedNs = (recordMs * 1e6) / chain;
const backwardNs = ((recordAndBackwardMs - recordMs) * 1e6) / chain;

// 2. MLP: 64x256 batch, 256 -> 256 -> 10
const rng = new core.PRNG(1);
const batch = rng.normal([64, 256]);
const target = rng.normal([64, 10]);
const params = { W1: rng.normal([256, 256], 0, 0.06), b1: core.zeros([256]), W2: rng.normal([256, 10], 0, 0.06), b2: core.zeros([10]) };
type Params = typeof params;
const loss = (p: Params | { [K in keyof Params]: Tensor }) => {
  const h = tanh(add(matmul(batch, p.W1), p.b1));
  const err = sub(add(matmul(h, p.W2), p.b2), target);
  return mul(0.5, sum(mul(err, err)));
};
const forwardMs = timeMs(() => void loss(params), 30);
const gradMs = timeMs(() => void grad(loss)(params), 30);

const rows = [
  ["tiny op, plain evaluation", `${plainNs.toFixed(0)} ns/op`],
  ["tiny op, evaluated and recorded on a tape", `${recordedNs.toFixed(0)} ns/op`],
  ["recording overhead (recorded - plain)", `${(recordedNs - plainNs).toFixed(0)} ns/op  target < 1000: ${recordedNs - plainNs < 1000 ? "PASS" : "MISS"}`],
  ["tiny op, backward step", `${backwardNs.toFixed(0)} ns/op`],
  ["MLP 64x256 forward", `${forwardMs.toFixed(2)} ms`],
  ["MLP 64x256 grad (forward + backward)", `${gradMs.toFixed(2)} ms`],
  ["grad / forward", `${(gradMs / forwardMs).toFixed(2)}x  target <= 3: ${gradMs / forwardMs <= 3 ? "PASS" : "MISS"}`],
];
const width = Math.max(...rows.map((r) => r[0]!.length));
console.log("bench:autodiff (float64, one run)");
for (const [k, v] of rows) console.log(`  ${k!.padEnd(width)}  ${v}`);

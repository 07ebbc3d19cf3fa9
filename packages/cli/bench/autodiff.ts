/**
 * Autodiff engine overheads, measured in one run: the per-op cost of recording on a tape (tiny
 * tensors), and grad of a 2-layer MLP loss on a 64x256 batch over the same forward pass unrecorded.
 */
import * as core from "@ostl/core";
import { type Tensor, add, grad, matmul, mul, sub, sum, tanh } from "@ostl/autodiff";
import { measureOpOverhead, timeMs } from "@ostl/cli";

const overhead = measureOpOverhead();
const rng = new core.PRNG(1);
const batch = rng.normal([64, 256]);
const target = rng.normal([64, 10]);
const params = { W1: rng.normal([256, 256], 0, 0.06), b1: core.zeros([256]), W2: rng.normal([256, 10], 0, 0.06), b2: core.zeros([10]) };
const loss = (p: { [K in keyof typeof params]: Tensor }) => {
  const h = tanh(add(matmul(batch, p.W1), p.b1));
  const err = sub(add(matmul(h, p.W2), p.b2), target);
  return mul(0.5, sum(mul(err, err)));
};
const forwardMs = timeMs(() => void loss(params), 30);
const gradMs = timeMs(() => void grad(loss)(params), 30);
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
const rows: [string, string][] = [
  ["tiny op, plain evaluation", `${overhead.plainNs.toFixed(0)} ns/op`],
  ["tiny op, evaluated and recorded on a tape", `${overhead.recordedNs.toFixed(0)} ns/op`],
  ["recording overhead (recorded - plain)", `${overhead.overheadNs.toFixed(0)} ns/op  target < 1000: ${verdict(overhead.overheadNs < 1000)}`],
  ["tiny op, backward step", `${overhead.backwardNs.toFixed(0)} ns/op`],
  ["MLP 64x256 forward", `${forwardMs.toFixed(2)} ms`],
  ["MLP 64x256 grad (forward + backward)", `${gradMs.toFixed(2)} ms`],
  ["grad / forward", `${(gradMs / forwardMs).toFixed(2)}x  target <= 3: ${verdict(gradMs / forwardMs <= 3)}`],
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log("bench:autodiff (float64, one run)");
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);

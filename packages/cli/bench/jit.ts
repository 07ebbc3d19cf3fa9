/**
 * Compiled against interpreted, measured in one run: one LSTM cell step (n = 150 hidden units,
 * m = 88 inputs, batch 1, float64) and its gradient, run op by op (`cell`, `grad(loss)`) and as
 * `jit` programs, and the compiled step with the params declared fixed (`fixedArguments`: its
 * products run as WebAssembly kernels over the program's copy of W). Prints the time per step and
 * the ratios, each pair timed in alternation.
 */
import * as core from "@ostl/core";
import { add, concat, grad, jit, matmul, mul, sigmoid, slice, sum, tanh, type Tensor } from "@ostl/autodiff";

const n = 150;
const m = 88;
const rng = new core.PRNG(1);
const params = { W: rng.normal([4 * n, n + m], 0, 0.08), b: core.zeros([4 * n]) };
const [h, c, x] = [rng.normal([n], 0, 0.5), rng.normal([n], 0, 0.5), rng.normal([m])];
type Params = { W: Tensor; b: Tensor };

const cell = (p: Params, hPrev: Tensor, cPrev: Tensor, input: Tensor) => {
  const z = add(matmul(p.W, concat([hPrev, input], 0)), p.b);
  const gate = (k: number) => slice(z, [k * n], [(k + 1) * n]);
  const cNext = add(mul(sigmoid(gate(1)), cPrev), mul(sigmoid(gate(0)), tanh(gate(2))));
  return { h: mul(sigmoid(gate(3)), tanh(cNext)), c: cNext };
};
const loss = (p: Params, hPrev: Tensor, cPrev: Tensor, input: Tensor) => {
  const next = cell(p, hPrev, cPrev, input);
  return add(sum(mul(next.h, next.h)), sum(next.c));
};

const steps = 100;
const rounds = 15;

/**
 * Microseconds per step of `a` and of `b`, timed in alternation (a, b, a, b, ...) so that both see
 * the same machine load; the fastest round of each is kept, the least disturbed by other work.
 */
function pairUs(a: () => void, b: () => void): [number, number] {
  const best = [Infinity, Infinity];
  const run = (fn: () => void) => {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) fn();
    return ((performance.now() - t0) * 1000) / steps;
  };
  run(a);
  run(b);
  for (let r = 0; r < rounds; r++) {
    best[0] = Math.min(best[0]!, run(a));
    best[1] = Math.min(best[1]!, run(b));
  }
  return [best[0]!, best[1]!];
}

const interpretedGrad = grad(loss);
const compiledStep = jit(cell);
const compiledGrad = jit(grad(loss));
const fixedStep = jit(cell, { fixedArguments: [0] });
const [stepUs, jitStepUs] = pairUs(() => void cell(params, h, c, x), () => void compiledStep(params, h, c, x));
const [plainStepUs, fixedStepUs] = pairUs(() => void compiledStep(params, h, c, x), () => void fixedStep(params, h, c, x));
const [gradUs, jitGradUs] = pairUs(() => void interpretedGrad(params, h, c, x), () => void compiledGrad(params, h, c, x));
const rows: [string, string][] = [
  ["cell step, interpreted", `${stepUs.toFixed(1)} µs`],
  ["cell step, jit", `${jitStepUs.toFixed(1)} µs`],
  ["interpreted / jit", `${(stepUs / jitStepUs).toFixed(2)}x`],
  ["cell step, jit, params fixed", `${fixedStepUs.toFixed(1)} µs`],
  ["jit / jit with params fixed", `${(plainStepUs / fixedStepUs).toFixed(2)}x`],
  ["grad of the step, interpreted", `${gradUs.toFixed(1)} µs`],
  ["grad of the step, jit(grad)", `${jitGradUs.toFixed(1)} µs`],
  ["grad / jit(grad)", `${(gradUs / jitGradUs).toFixed(2)}x`],
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`bench:jit (LSTM cell n=${n}, m=${m}, batch 1, float64; one run, best of ${rounds} alternating rounds of ${steps} steps)`);
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);

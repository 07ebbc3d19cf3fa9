import * as fc from "fast-check";
import * as core from "@ostl/core";
import {
  type Tensor, add, broadcastTo, concat, div, exp, log1p, matmul, mean, mul, reshape, sigmoid, slice, softplus, sub, sum, tanh, transpose, logSoftmax, maximum, where, greater,
} from "@ostl/autodiff";

/**
 * Random programs over a pool of values of one shape [r, c]: each step applies a random op to
 * random earlier values and appends the result. Only smooth ops (or ones whose kinks random points
 * avoid with probability one) appear, so finite differences are a valid reference.
 */
type Step = (pool: Tensor[], pick: (k: number) => Tensor, shape: readonly number[], rng: core.PRNG) => Tensor;

const steps: Record<string, Step> = {
  add: (_p, pick) => add(pick(0), pick(1)),
  sub: (_p, pick) => sub(pick(0), pick(1)),
  mul: (_p, pick) => mul(pick(0), pick(1)),
  divSmooth: (_p, pick) => div(pick(0), add(1, mul(pick(1), pick(1)))),
  tanh: (_p, pick) => tanh(pick(0)),
  sigmoid: (_p, pick) => sigmoid(pick(0)),
  softplus: (_p, pick) => softplus(pick(0)),
  expTanh: (_p, pick) => exp(tanh(pick(0))),
  log1pSquare: (_p, pick) => log1p(mul(pick(0), pick(0))),
  rowSum: (_p, pick, shape) => broadcastTo(sum(pick(0), 1, true), shape),
  colMean: (_p, pick, shape) => broadcastTo(mean(pick(0), 0, true), shape),
  matmulConst: (_p, pick, shape, rng) => matmul(pick(0), rng.normal([shape[1]!, shape[1]!], 0, 0.5)),
  leftMatmul: (_p, pick, shape, rng) => matmul(rng.normal([shape[0]!, shape[0]!], 0, 0.5), pick(0)),
  transposeTwice: (_p, pick) => transpose(transpose(pick(0))),
  reshapeRoundTrip: (_p, pick, shape) => reshape(reshape(pick(0), [-1]), shape),
  sliceConcat: (_p, pick, shape) => (shape[1]! < 2 ? pick(0) : concat([slice(pick(0), [0, 1], [shape[0]!, shape[1]!]), slice(pick(1), [0, 0], [shape[0]!, 1])], 1)),
  logSoftmax: (_p, pick) => logSoftmax(pick(0)),
  smoothMax: (_p, pick) => maximum(pick(0), add(pick(1), 10)),
  whereConst: (_p, pick, shape, rng) => where(greater(rng.normal(shape), 0), pick(0), pick(1)),
};
const names = Object.keys(steps);

export const programArb = fc.record({
  rows: fc.integer({ min: 1, max: 3 }),
  cols: fc.integer({ min: 1, max: 4 }),
  inputs: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  ops: fc.array(fc.record({ op: fc.constantFrom(...names), picks: fc.array(fc.nat(), { minLength: 2, maxLength: 2 }) }), { minLength: 3, maxLength: 30 }),
});

/** A random program drawn from {@link programArb}. */
export type RandomProgram = typeof programArb extends fc.Arbitrary<infer P> ? P : never;

/** The function of a random program and seeded arguments for it (shape [rows, cols]). */
export function buildProgram(program: RandomProgram): { f: (...xs: Tensor[]) => Tensor; args: core.NDArray[] } {
  const shape = [program.rows, program.cols];
  const setupRng = new core.PRNG(program.seed);
  const f = (...xs: Tensor[]) => {
    const pool: Tensor[] = [...xs];
    program.ops.forEach((s, i) => {
      const pick = (k: number) => pool[pool.length - 1 - (s.picks[k]! % pool.length)]!;
      // each op draws its constants from its own seeded stream, so every call of f runs the same program
      const rng = new core.PRNG(program.seed * 64 + i);
      pool.push(steps[s.op]!(pool, pick, shape, rng));
    });
    return pool[pool.length - 1]!;
  };
  const args = Array.from({ length: program.inputs }, () => setupRng.normal(shape, 0, 0.7));
  return { f, args };
}

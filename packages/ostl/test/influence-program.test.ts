import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { type Tensor, type Tree, add, matmul, mul, tanh } from "@ostl/autodiff";
import { CompiledInfluence, influenceUpdate, propagateInfluence, TreeLayout } from "@ostl/ostl";

/** [J; J_y] M + I by plain loops, M the first S rows of `rows` (row stride `stride`). */
function naiveUpdate(jacobianT: core.NDArray, rows: ArrayLike<number>, immediate: ArrayLike<number>, R: number, S: number, P: number, stride: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < R; r++) {
    for (let p = 0; p < P; p++) {
      let sum = 0;
      for (let b = 0; b < S; b++) sum += jacobianT.data[b * R + r]! * rows[b * stride + p]!;
      out.push(sum + immediate[r * stride + p]!);
    }
  }
  return out;
}

describe("influence update", () => {
  // R: 4-row blocks and a remainder; P: odd and even, over several column chunks; R > S: y's own rows
  // sparse: J with structural zeros (a column zero in every row, zero rows, random zeros), which
  // the float64 kernel leaves out of each row block's sum
  for (const [R, S, P] of [[7, 5, 3], [9, 9, 131], [4, 4, 64], [13, 8, 70]] as const) {
    for (const [dtype, sparse] of [["float64", false], ["float32", false], ["float64", true], ["float32", true]] as const) {
      it(`R = ${R}, S = ${S}, P = ${P}, ${dtype}${sparse ? ", J with zeros" : ""}: three steps equal plain loops`, () => {
        const rng = new core.PRNG(R * 1000 + P);
        const update = influenceUpdate(R, S, P, dtype);
        if (dtype === "float64") expect(update.stride).toBe(P + (P & 1));
        let expected: number[] = new Array(R * P).fill(0);
        for (let step = 0; step < 3; step++) {
          const jacobianT = core.astype(rng.normal([S, R]), dtype);
          if (sparse) {
            const keep = rng.uniform([S, R], 0, 1).data;
            // Jᵀ[b, r] = J[r, b]: column 1 of J and row 0 of J zero, then about half the rest
            jacobianT.data.forEach((_, k) => {
              const [b, r] = [Math.floor(k / R), k % R];
              if (b === 1 || r === 0 || keep[k]! < 0.5) jacobianT.data[k] = 0;
            });
          }
          const immediate = rng.normal([R * P]).data;
          for (let r = 0; r < R; r++) for (let p = 0; p < P; p++) update.immediate[r * update.stride + p] = immediate[r * P + p]!;
          const before = Array.from(update.rows());
          update.apply(jacobianT);
          expected = naiveUpdate(jacobianT, before, update.immediate, R, S, P, update.stride);
          const rows = update.rows();
          const got = Array.from({ length: R * P }, (_, k) => rows[Math.floor(k / P) * update.stride + (k % P)]!);
          const tolerance = dtype === "float64" ? 1e-12 : 1e-4;
          got.forEach((g, k) => expect(Math.abs(g - expected[k]!)).toBeLessThanOrEqual(tolerance * (1 + Math.abs(expected[k]!))));
        }
        update.zero();
        expect(Array.from(update.rows().subarray(0, S * update.stride)).every((v) => v === 0)).toBe(true);
      });
    }
  }
});

/** Two state fields with a dense Jacobian; y = h when `aliased`, else a value of its own. */
function twoFieldStep(aliased: boolean) {
  return (state: Tree, params: Tree, x: Tensor) => {
    const s = state as { c: Tensor; h: Tensor };
    const p = params as { W: Tensor; U: Tensor; V: Tensor };
    const c = tanh(add(matmul(p.W, x), matmul(p.U, s.h)));
    const h = tanh(add(mul(0.5, s.h), matmul(p.V, c)));
    return { state: { c, h } as Tree, y: aliased ? h : mul(h, c) };
  };
}

describe("CompiledInfluence", () => {
  for (const aliased of [true, false]) {
    it(`equals the interpreted forward pass (propagateInfluence) over a sequence, y ${aliased ? "a state field" : "a value of its own"}`, () => {
      const rng = new core.PRNG(aliased ? 1 : 2);
      const [n, m] = [3, 2];
      const params = { W: rng.normal([n, m]), U: rng.normal([n, n], 0, 0.5), V: rng.normal([n, n], 0, 0.5) };
      const step = twoFieldStep(aliased);
      const compiled = new CompiledInfluence(step, aliased ? "h" : null);
      const layout = new TreeLayout(params);
      const identity = layout.identityTangents();
      let [stateA, stateB]: [Tree, Tree] = [{ c: core.zeros([n]), h: core.zeros([n]) }, { c: core.zeros([n]), h: core.zeros([n]) }];
      let influence = new TreeLayout(stateB).zeroTangents(layout.size);
      let expected = core.zeros([layout.size]);
      for (let t = 0; t < 5; t++) {
        const x = rng.normal([m]);
        const L = rng.normal([n]);
        const out = compiled.advance(stateA, params, x);
        compiled.accumulate(L);
        stateA = out.state;
        const reference = propagateInfluence((s, p) => step(s, p, x), stateB, params, influence, identity, layout.size);
        expected = core.add(expected, core.matmul(core.reshape(reference.output, [layout.size, -1]), L));
        [stateB, influence] = [reference.out.state, reference.influence];
        expect(core.allClose(out.y as core.NDArray, reference.out.y as core.NDArray, 1e-14, 1e-15)).toBe(true);
      }
      expect(core.allClose(compiled.gradient()!, expected, 1e-12, 1e-14)).toBe(true);
      expect(compiled.floats()).toBe(2 * n * layout.size);
      compiled.reset();
      expect(Array.from(compiled.gradient()!.data).every((v) => v === 0)).toBe(true);
    });
  }
});



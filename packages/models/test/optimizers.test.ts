import { copy, mul, type NDArray, PRNG, tensor, transpose, ValueError } from "@ostl/core";
import { describe, expect, it } from "vitest";
import * as fc from "fast-check";
import { adam, clipGlobalNorm, ElementwiseOptimizer, globalNorm, type LeafUpdate, optimizerByName, scaleTree, sgd, WasmAdam } from "@ostl/models";

const values = (x: unknown) => (x as NDArray).toFlat();

describe("sgd", () => {
  it("plain: p - lr g", () => {
    const next = sgd({ learningRate: 0.1 }).step({ w: tensor([1, -2]) }, { w: tensor([3, 0.5]) });
    expect(values(next.w)[0]).toBeCloseTo(0.7, 15);
    expect(values(next.w)[1]).toBeCloseTo(-2.05, 15);
  });

  it("momentum: v = g at the first step, then v = μ v + g (hand-computed)", () => {
    const opt = sgd({ learningRate: 0.1, momentum: 0.9 });
    let p = { w: tensor([1]) };
    p = opt.step(p, { w: tensor([1]) }); // v = 1, p = 0.9
    expect(values(p.w)[0]).toBeCloseTo(0.9, 15);
    p = opt.step(p, { w: tensor([2]) }); // v = 0.9 + 2 = 2.9, p = 0.9 - 0.29
    expect(values(p.w)[0]).toBeCloseTo(0.61, 15);
    expect(opt.steps).toBe(2);
  });

  it("rejects a momentum outside [0, 1) and a learning rate <= 0", () => {
    expect(() => sgd({ learningRate: 0.1, momentum: 1 })).toThrow("sgd: option 'momentum' must be a finite number >= 0 and < 1, got 1");
    expect(() => sgd({ learningRate: 0 })).toThrow("option 'learningRate' must be a finite number > 0");
  });
});

describe("adam", () => {
  it("matches two hand-computed steps (values from the textbook formula with bias correction)", () => {
    const opt = adam({ learningRate: 0.1 });
    let p = { w: tensor([1]) };
    p = opt.step(p, { w: tensor([2]) });
    expect(Math.abs(values(p.w)[0]! - 0.9000000005)).toBeLessThan(1e-15);
    p = opt.step(p, { w: tensor([-1]) });
    expect(Math.abs(values(p.w)[0]! - 0.8733662967024315)).toBeLessThan(1e-15);
  });

  it("keeps per-leaf state, leaves its inputs untouched and keeps float32", () => {
    const opt = adam();
    const params = { a: { W: tensor([[1, 2]]) }, b: tensor([0.5], { dtype: "float32" }) };
    const next = opt.step(params, { a: { W: tensor([[1, -1]]) }, b: tensor([1], { dtype: "float32" }) });
    expect(values(params.a.W)).toEqual([1, 2]);
    expect((next.b as NDArray).dtype).toBe("float32");
    expect(values(next.a.W)[0]).toBeCloseTo(1 - 1e-3, 9);
    expect(values(next.a.W)[1]).toBeCloseTo(2 + 1e-3, 9);
  });

  it("names the leaf of a gradient that is not finite or of the wrong shape", () => {
    const opt = adam();
    expect(() => opt.step({ layer0: { W: tensor([1, 2]) } }, { layer0: { W: tensor([1, NaN]) } })).toThrow("adam.step: gradient 'layer0.W' contains NaN at entry 1 (step 1)");
    expect(() => opt.step({ W: tensor([1, 2]) }, { W: tensor([1]) })).toThrow("gradient 'W' has shape [1], the param [2]");
    expect(() => opt.step({ W: tensor([1]) }, { V: tensor([1]) })).toThrow(ValueError);
  });

  it("refuses params that differ from the first step's until reset", () => {
    const opt = adam();
    opt.step({ W: tensor([1]) }, { W: tensor([1]) });
    expect(() => opt.step({ W: tensor([1, 2]) }, { W: tensor([1, 1]) })).toThrow("'W' has shape [2], it had [1]");
    opt.reset();
    expect(opt.steps).toBe(0);
    expect(() => opt.step({ W: tensor([1, 2]) }, { W: tensor([1, 1]) })).not.toThrow();
  });
});

describe("Adam's WebAssembly kernel", () => {
  it("equals the update loop bit for bit over several steps, with its moments kept in its memory, at any size (odd ones too)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 1000 }), (sizes, seed) => {
        const kernel = WasmAdam.forLeaves(sizes)!;
        expect(kernel).not.toBeNull();
        const rng = new PRNG(seed);
        const [lr, b1, b2, eps] = [1e-2, 0.9, 0.999, 1e-8];
        sizes.forEach((n, j) => {
          const [m, v] = kernel.moments[j]!;
          const p0 = rng.normal([n]).data as Float64Array;
          const p = p0.slice();
          const [q, mq, vq] = [p0.slice(), new Float64Array(n), new Float64Array(n)];
          for (let t = 1; t <= 4; t++) {
            // gradients of every scale, zeros among them
            const g = Float64Array.from(rng.normal([n]).data, (x, i) => (i % 5 === 0 ? 0 : x * 10 ** ((i % 7) - 3)));
            // the gradient's factor: 1, or an average's 1 / T
            const scale = t % 2 === 0 ? 1 : 1 / (3 + t);
            const s = { stepSize: lr / (1 - b1 ** t), bc2: Math.sqrt(1 - b2 ** t), b1, b2, c1: 1 - b1, c2: 1 - b2, eps, scale };
            kernel.run(p, p, g, m, v, s);
            for (let i = 0; i < n; i++) {
              const gi = g[i]! * scale;
              mq[i] = b1 * mq[i]! + s.c1 * gi;
              vq[i] = b2 * vq[i]! + s.c2 * gi * gi;
              q[i] = q[i]! - (s.stepSize * mq[i]!) / (Math.sqrt(vq[i]!) / s.bc2 + eps);
            }
          }
          expect([...p]).toEqual([...q]);
          expect([...m]).toEqual([...mq]);
          expect([...v]).toEqual([...vq]);
        });
      }),
      { numRuns: 60, seed: 20261207 },
    );
  });

  it("refuses moments that are not its own", () => {
    const kernel = WasmAdam.forLeaves([2])!;
    const s = { stepSize: 1, bc2: 1, b1: 0.9, b2: 0.999, c1: 0.1, c2: 0.001, eps: 1e-8, scale: 1 };
    const p = new Float64Array(2);
    expect(() => kernel.run(p, p, p, new Float64Array(2), new Float64Array(2), s)).toThrow("WasmAdam.run: m and v must be moments of this kernel (WasmAdam.moments)");
  });
});

describe("update with a gradient scale", () => {
  it("gives, step after step, the values of an update with gradients scaled beforehand, bit for bit (adam, sgd, sgd with momentum, and an update that does not take the scale)", () => {
    const halving: LeafUpdate = (out, p, g, _slots, t) => {
      for (let i = 0; i < p.length; i++) out[i] = p[i]! - g[i]! / 2 ** t;
    };
    const makers = [() => adam({ learningRate: 0.01 }), () => sgd({ learningRate: 0.1 }), () => sgd({ learningRate: 0.1, momentum: 0.9 }), () => new ElementwiseOptimizer("halving", 1, 0, halving)];
    for (const make of makers) {
      const [scaled, beforehand] = [make(), make()];
      const rng = new PRNG(4);
      const a = { W: rng.normal([3, 5]), b: rng.normal([300]) };
      const b = { W: copy(a.W), b: copy(a.b) };
      for (let t = 1; t <= 3; t++) {
        const g = { W: rng.normal([3, 5]), b: rng.normal([300]) };
        const scale = 1 / (6 + t);
        beforehand.update(b, { W: mul(g.W, scale), b: mul(g.b, scale) });
        scaled.update(a, g, scale);
        expect([...a.W.data, ...a.b.data], scaled.name).toEqual([...b.W.data, ...b.b.data]);
      }
    }
  });

  it("refuses a scale that is not a finite number", () => {
    const opt = adam();
    expect(() => opt.update({ W: tensor([1]) }, { W: tensor([1]) }, Infinity)).toThrow("adam.update: gradientScale must be a finite number, got Infinity");
  });
});

describe("update in place", () => {
  it("writes the values step returns into the params themselves, step after step (adam, sgd with momentum)", () => {
    for (const make of [() => adam({ learningRate: 0.1 }), () => sgd({ learningRate: 0.1, momentum: 0.9 })]) {
      const [fresh, inPlace] = [make(), make()];
      let p = { a: { W: tensor([[1, 2], [3, 4]]) }, b: tensor([0.5]) };
      const own = { a: { W: tensor([[1, 2], [3, 4]]) }, b: tensor([0.5]) };
      const W = own.a.W;
      for (const g of [[[1, -1], [0.5, 2]], [[-3, 0.25], [1, 1]], [[0, 0], [7, -2]]]) {
        const grads = { a: { W: tensor(g) }, b: tensor([g[0]![0]!]) };
        p = fresh.step(p, grads);
        inPlace.update(own, grads);
        expect(values(own.a.W)).toEqual(values(p.a.W));
        expect(values(own.b)).toEqual(values(p.b));
      }
      expect(own.a.W).toBe(W);
      expect(inPlace.steps).toBe(3);
    }
  });

  it("refuses a view, which it could not write in place, and a gradient that is not finite", () => {
    const W = tensor([[1, 2], [3, 4]]);
    expect(() => adam().update({ W: transpose(W) }, { W: tensor([[1, 1], [1, 1]]) })).toThrow("adam.update: 'W' is a view (not contiguous from offset 0): it cannot be updated in place");
    expect(() => adam().update({ W }, { W: tensor([[1, NaN], [1, 1]]) })).toThrow("adam.update: gradient 'W' contains NaN at entry 1 (step 1)");
    expect(values(W)).toEqual([1, 2, 3, 4]);
  });
});

describe("global-norm clipping", () => {
  it("scales by maxNorm / (norm + 1e-6) above the threshold and returns the same tree below it", () => {
    const grads = { a: tensor([3]), b: { c: tensor([[4]]) } };
    expect(globalNorm(grads)).toBe(5);
    const c = clipGlobalNorm(grads, 1);
    expect(c).toMatchObject({ norm: 5, clipped: true });
    expect(values(c.grads.a)[0]).toBeCloseTo(3 / (5 + 1e-6), 15);
    expect(values(c.grads.b.c)[0]).toBeCloseTo(4 / (5 + 1e-6), 15);
    const same = clipGlobalNorm(grads, 10);
    expect(same.grads).toBe(grads);
    expect(same.clipped).toBe(false);
    expect(() => clipGlobalNorm(grads, 0)).toThrow("clipGlobalNorm: maxNorm must be a positive finite number, got 0");
  });

  it("scaleTree multiplies every entry", () => {
    expect(values(scaleTree({ w: tensor([2, -4]) }, 0.25).w)).toEqual([0.5, -1]);
  });
});

describe("optimizerByName", () => {
  it("builds the named optimizer and lists the known ones for an unknown name", () => {
    expect(optimizerByName("adam", { learningRate: 0.01 }).learningRate).toBe(0.01);
    expect(optimizerByName("sgd", { learningRate: 0.5, momentum: 0.9 }).name).toBe("sgd");
    expect(() => optimizerByName("rmsprop", { learningRate: 1 })).toThrow("unknown optimizer 'rmsprop' (known: adam, sgd)");
    expect(() => optimizerByName("adam", { learningRate: 1, momentum: 0.9 })).toThrow("momentum' applies to sgd only");
  });
});

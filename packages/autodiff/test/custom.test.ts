import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import {
  type Surrogate, type Tensor, customJvp, customVjp, exp, fastSigmoid, grad, heaviside, jacfwd, jacrev, jvp, mul, sigmoidDerivative,
  stopGradient, sub, sum, tanh, tanhDerivative, tensor, triangle, abs, maximum,
} from "@ostl/autodiff";
import { checkGrads } from "@ostl/autodiff/testing";

describe("custom rules", () => {
  it("customJvp: the rule is used in forward mode and transposed for reverse mode", () => {
    let calls = 0;
    // a deliberately different rule (2x the true derivative) proves the rule, not the body, is differentiated
    const doubled = customJvp(
      (x) => exp(x),
      ([_x], [t], out) => {
        calls++;
        return mul(mul(t!, out), 2);
      },
    );
    const x = tensor([0.5, -0.25]);
    const [, dy] = jvp(doubled, [x], [tensor([1, 1])]);
    expect((dy as core.NDArray).toFlat()[0]).toBeCloseTo(2 * Math.exp(0.5), 14);
    const g = grad((v: Tensor) => sum(doubled(v)))(x) as core.NDArray;
    expect(g.toFlat()[1]).toBeCloseTo(2 * Math.exp(-0.25), 14);
    expect(calls).toBeGreaterThan(1);
    // batched forward mode applies the rule per direction and agrees with reverse mode
    const jf = jacfwd(doubled)(x) as core.NDArray;
    const jr = jacrev(doubled)(x) as core.NDArray;
    expect(core.maxAbsDiff(jf, jr)).toBeLessThan(1e-14);
  });

  it("customVjp: the backward rule is used in reverse mode; forward mode differentiates the body", () => {
    const clipped = customVjp(
      (x) => tanh(x),
      (x) => [tanh(x), [x]],
      ([x], ct) => [mul(ct, mul(0, x!))], // a zero backward rule: detectable
    );
    const x = tensor([0.3]);
    expect((grad((v: Tensor) => sum(clipped(v)))(x) as core.NDArray).toFlat()[0]).toBe(0);
    const [, dy] = jvp(clipped, [x], [tensor([1])]);
    expect((dy as core.NDArray).toFlat()[0]).toBeCloseTo(1 - Math.tanh(0.3) ** 2, 14);
  });

  it("stopGradient blocks derivatives in both modes", () => {
    const f = (x: Tensor) => sum(mul(x, stopGradient(x)));
    expect((grad(f)(tensor([3])) as core.NDArray).toFlat()).toEqual([3]);
    expect((jvp(f, [tensor([3])], [tensor([1])])[1] as core.NDArray).item()).toBe(3);
  });
});

describe("heaviside and surrogates", () => {
  const x = tensor([-1.5, -0.2, 0.3, 2]);
  const cases: [string, Surrogate, (v: number) => number][] = [
    ["tanh derivative (default)", tanhDerivative(), (v) => 1 - Math.tanh(v) ** 2],
    ["sigmoid derivative, slope 4", sigmoidDerivative(4), (v) => { const s = 1 / (1 + Math.exp(-4 * v)); return 4 * s * (1 - s); }],
    ["fast sigmoid, slope 10", fastSigmoid(10), (v) => 1 / (1 + 10 * Math.abs(v)) ** 2],
    ["triangle, width 1", triangle(1), (v) => Math.max(0, 1 - Math.abs(v))],
  ];

  it("forward value is the step [x > 0]", () => {
    expect((heaviside(x) as core.NDArray).toNested()).toEqual([0, 0, 1, 1]);
  });

  it.each(cases)("%s: gradient equals the declared pseudo-derivative", (_name, surrogate, expected) => {
    const g = grad((v: Tensor) => sum(heaviside(v, surrogate)))(x) as core.NDArray;
    g.toFlat().forEach((gi, i) => expect(gi).toBeCloseTo(expected(x.toFlat()[i]!), 13));
  });

  it("the default surrogate is the tanh derivative", () => {
    const g = grad((v: Tensor) => sum(heaviside(v)))(x) as core.NDArray;
    expect(g.toFlat()[2]).toBeCloseTo(1 - Math.tanh(0.3) ** 2, 14);
  });

  it("a user surrogate works in both modes and its own derivative is checked", () => {
    const box: Surrogate = { name: "box", tex: "", derivative: (v) => maximum(0, sub(0.5, abs(v))) };
    const g = grad((v: Tensor) => sum(heaviside(v, box)))(tensor([0.1, 1])) as core.NDArray;
    expect(g.toNested()).toEqual([0.4, 0]);
    checkGrads((v) => sigmoidDerivative(2).derivative(v), [tensor([0.1, -0.7])], { order: 2 });
  });

  it("rejects a non-positive slope, naming it", () => {
    expect(() => sigmoidDerivative(0)).toThrow(/slope must be a positive finite number, got 0/);
  });
});

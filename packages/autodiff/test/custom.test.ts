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

describe("a custom rule that returns a wrong value is reported as the rule's fault, naming the op", () => {
  const x = tensor([0.5, -0.25]);
  const lossOf = (f: (x: Tensor) => Tensor) => (v: Tensor) => sum(f(v));
  // rules that reduce the tangent to a scalar, or return a plain array, instead of a tangent shaped like the output
  const scalarTangent = customJvp(function expScalarTangent(v: Tensor) { return exp(v); }, ([_x], [t], out) => sum(mul(t!, out)));
  const arrayTangent = customJvp(function expArrayTangent(v: Tensor) { return exp(v); }, () => [1, 2] as unknown as Tensor);
  const jvpShape = "expScalarTangent: the customJvp rule's output tangent has shape [], expected [2]";
  const jvpType = "expArrayTangent: the customJvp rule's output tangent is an array of length 2, expected a tensor of shape [2]";

  it("customJvp in forward mode, batched forward mode and reverse mode", () => {
    expect(() => jvp(scalarTangent, [x], [tensor([1, 1])])).toThrow(core.ShapeError);
    expect(() => jvp(scalarTangent, [x], [tensor([1, 1])])).toThrow(jvpShape);
    expect(() => jacfwd(scalarTangent)(x)).toThrow(jvpShape);
    expect(() => grad(lossOf(scalarTangent))(x)).toThrow(jvpShape);
    expect(() => jvp(arrayTangent, [x], [tensor([1, 1])])).toThrow(core.ValueError);
    expect(() => jvp(arrayTangent, [x], [tensor([1, 1])])).toThrow(jvpType);
    expect(() => grad(lossOf(arrayTangent))(x)).toThrow(jvpType);
  });

  it("customVjp: a cotangent of the wrong shape or type, or not one per input", () => {
    const forward = (v: Tensor): [Tensor, Tensor[]] => [tanh(v), [v]];
    const summed = customVjp(function tanhSummed(v: Tensor) { return tanh(v); }, forward, (_r, ct) => [sum(ct)]);
    expect(() => grad(lossOf(summed))(x)).toThrow(core.ShapeError);
    expect(() => grad(lossOf(summed))(x)).toThrow("tanhSummed: the customVjp backward rule's cotangent for input 0 has shape [], expected [2]");
    const text = customVjp(function tanhText(v: Tensor) { return tanh(v); }, forward, () => ["ct"] as unknown as Tensor[]);
    expect(() => grad(lossOf(text))(x)).toThrow("tanhText: the customVjp backward rule's cotangent for input 0 is a string, expected a tensor of shape [2]");
    const bare = customVjp(function tanhBare(v: Tensor) { return tanh(v); }, forward, (_r, ct) => ct as unknown as Tensor[]);
    expect(() => grad(lossOf(bare))(x)).toThrow("tanhBare: the customVjp backward rule returned an object (NDArray), expected an array of 1 cotangents (one per input)");
    const noResiduals = customVjp(function tanhNoResiduals(v: Tensor) { return tanh(v); }, (v) => tanh(v) as unknown as [Tensor, Tensor[]], (_r, ct) => [ct]);
    expect(() => grad(lossOf(noResiduals))(x)).toThrow("tanhNoResiduals: the customVjp forward function returned an object (NDArray), expected [output, residuals]");
  });

  it("the second input's cotangent is checked against that input's shape; a broadcast shape is summed back", () => {
    const scaleBy = (kCotangent: (ct: Tensor, v: Tensor) => Tensor) =>
      customVjp(function scaleBy(v: Tensor, k: Tensor) { return mul(v, k); }, (v, k) => [mul(v, k), [v, k]], ([v, k], ct) => [mul(ct, k!), kCotangent(ct, v!)]);
    const loss = (f: (v: Tensor, k: Tensor) => Tensor) => grad((v: Tensor, k: Tensor) => sum(f(v, k)), { argnums: [0, 1] });
    // k of shape [2]: a cotangent of shape [3] cannot be k's
    expect(() => loss(scaleBy(() => tensor([1, 2, 3])))(x, tensor([3, 4]))).toThrow(
      "scaleBy: the customVjp backward rule's cotangent for input 1 has shape [3], expected [2] (or a shape that [2] broadcasts to, summed back)",
    );
    // k of shape [1]: the cotangent ct * v has the broadcast shape [2], and reverse mode sums it back to [1]
    const [, gk] = loss(scaleBy((ct, v) => mul(ct, v)))(x, tensor([3])) as core.NDArray[];
    expect(gk!.toFlat()).toEqual([0.5 - 0.25]);
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

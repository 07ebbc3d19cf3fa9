import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { type OpDef, type Tensor, bind, grad, jacfwd, jvp, matmul, mul, reshape, sum, tensor, vjp, add, transpose } from "@ostl/autodiff";

describe("bad input gets a clear error", () => {
  it("grad of a non-scalar function names the function and the shape", () => {
    const square = (x: Tensor) => mul(x, x);
    expect(() => grad(square)(tensor([1, 2]))).toThrow(/grad: 'square' returned shape \[2\]; grad needs a scalar/);
  });

  it("a tangent whose shape differs from its primal names both shapes", () => {
    expect(() => jvp((x: Tensor) => x, [tensor([1, 2])], [tensor([1, 2, 3])])).toThrow(/jvp: tangent for '0' has shape \[3\], expected \[2\]/);
    expect(() => jvp((x: Tensor) => x, [tensor([1, 2])], [tensor([[1, 2]])], { batch: 2 })).toThrow(/expected \[2,2\].*batch 2/);
  });

  it("tangents whose pytree structure differs name both structures", () => {
    expect(() => jvp((p: { a: Tensor }) => p.a, [{ a: tensor(1) }], [{ b: tensor(1) }])).toThrow(/jvp: tangents have structure \[\{b: \*\}\], expected \[\{a: \*\}\]/);
  });

  it("a cotangent of the wrong shape is rejected", () => {
    const [, pullback] = vjp((x: Tensor) => mul(x, 2), tensor([1, 2]));
    expect(() => pullback(tensor([1]))).toThrow(/vjp: cotangent 0 has shape \[1\], output has \[2\]/);
  });

  it("an op without rules names the op", () => {
    const noRules = { name: "mystery", impl: ([x]: readonly (core.NDArray | number)[]) => x as core.NDArray } as unknown as OpDef<Record<string, never>>;
    expect(() => jvp((x: Tensor) => bind(noRules, [x], {}), [tensor(1)], [tensor(1)])).toThrow(/mystery: has no forward-mode \(jvp\) rule/);
    expect(() => grad((x: Tensor) => sum(bind(noRules, [x], {})))(tensor(1))).toThrow(/mystery: has no reverse-mode \(vjp\) rule/);
  });

  it("shape errors inside traced code name the op and the shapes", () => {
    expect(() => grad((x: Tensor) => sum(matmul(x, tensor([1, 2, 3]))))(tensor([[1, 2]]))).toThrow(/matmul: inner dimensions differ: \[1,2\] @ \[3\]/);
    expect(() => grad((x: Tensor) => sum(reshape(x, [4])))(tensor([1, 2, 3]))).toThrow(/reshape: cannot reshape \[3\]/);
    expect(() => grad((x: Tensor) => sum(x, 2))(tensor([1, 2]))).toThrow(/sum: axis 2 is out of range for shape \[2\]/);
    expect(() => transpose(tensor([[1]]), [0, 0])).toThrow(/transpose: permutation \[0,0\]/);
    expect(() => add(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/add: .*\[2\].*\[3\]/);
  });

  it("a tracer that escapes its transformation is rejected when used", () => {
    let leaked: Tensor | null = null;
    grad((x: Tensor) => {
      leaked = x;
      return sum(x);
    })(tensor([1]));
    expect(() => mul(leaked!, 2)).toThrow(/mul: an input is a traced value that escaped/);
  });

  it("jacfwd with a missing argument says which", () => {
    expect(() => jacfwd((x: Tensor) => x, { argnum: 1 })(tensor(1))).toThrow(/jacfwd: argument 1 is missing/);
  });

  it("grad with argnums out of range says so", () => {
    expect(() => grad((x: Tensor) => sum(x), { argnums: 3 })(tensor(1))).toThrow(/grad: argnums 3 is out of range for 1 arguments/);
  });
});

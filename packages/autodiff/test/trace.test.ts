import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { type Tensor, add, grad, matmul, mul, sub, sum, tanh, tensor, trace, sigmoid } from "@ostl/autodiff";

describe("trace", () => {
  const params = { W: tensor([[1, 2], [3, 4]]), b: tensor([0.5, -0.5]) };
  const step = (p: { W: Tensor; b: Tensor }, s: Tensor, x: Tensor) => {
    const next = tanh(add(add(matmul(p.W, x), p.b), mul(0.9, s)));
    return { s: next, y: sigmoid(next) };
  };

  it("records every primitive with its inputs, params and shapes, inputs named by path", () => {
    const g = trace(step, params, tensor([0, 0]), tensor([1, -1]));
    expect(g.inputs.map((v) => v.name)).toEqual(["0.W", "0.b", "1", "2"]);
    expect(g.equations.map((e) => e.op.name)).toEqual(["matmul", "add", "mul", "add", "tanh", "sigmoid"]);
    expect(g.equations[0]!.inputs.map((a) => (a.kind === "var" ? a.name : "const"))).toEqual(["0.W", "2"]);
    expect(g.equations[2]!.inputs[0]).toMatchObject({ kind: "const", value: 0.9 });
    expect(g.outputPaths).toEqual(["s", "y"]);
    expect(g.equations.every((e) => e.out.shape.join(",") === "2")).toBe(true);
  });

  it("prints a readable program", () => {
    const text = trace((x: Tensor) => sum(mul(x, x), 0), tensor([[1, 2]])).toString();
    expect(text).toBe(["{ lambda 0:f64[1,2] .", "  v1:f64[1,2] = mul 0 0", "  v2:f64[2] = sum{axes=[0] keepdims=false} v1", "  in (v2) }"].join("\n"));
  });

  it("traces through a differentiated function (the IR sees the derivative's ops)", () => {
    const g = trace((x: Tensor) => grad((v: Tensor) => sum(tanh(v)))(x) as Tensor, tensor([0.5]));
    const names = g.equations.map((e) => e.op.name);
    expect(names).toContain("tanh");
    expect(names).toContain("mul");
    expect(names).toContain("sub");
    const out = g.outputs[0]!;
    expect(out.kind).toBe("var");
  });

  it("captured arrays become constants", () => {
    const W = tensor([[2]]);
    const g = trace((x: Tensor) => sub(matmul(W, x), 1), tensor([3]));
    expect(g.equations[0]!.inputs[0]).toMatchObject({ kind: "const" });
    expect((g.equations[0]!.inputs[0] as { value: core.NDArray }).value).toBe(W);
  });
});

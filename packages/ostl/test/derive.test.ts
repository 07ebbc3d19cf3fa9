/**
 * The symbolic derivation, op by op: for every primitive a small cell whose step uses it, derived,
 * evaluated at random points and compared with the engine's Jacobians (checkDerivation). The case
 * table is keyed by op name, so a new op without a case fails to compile. Plus: the checker
 * catches wrong expressions, the compact forms follow the proven structure, and ops without a
 * symbolic rule are refused with their name.
 */
import * as core from "@ostl/core";
import * as ad from "@ostl/autodiff";
import { type OpName, type Surrogate, type Tensor } from "@ostl/autodiff";
import { type Cell, defineCell } from "@ostl/ostl";
import { checkDerivation, checkPrintedPage, type Derivation, deriveCell, DeriveError, expressionTex, indexLetters, ostlCost, printCellPage, printedExpression, quantityTex, randomPoint, renderCellPage, symbolicRules } from "@ostl/ostl/derive";
import { describe, expect, it } from "vitest";
import { ConstantNode, OperatorNode, SymbolNode } from "mathjs";

type Inputs = { u: Tensor; v: Tensor; h: Tensor; wx: Tensor; b: Tensor };
/** How a case's next state uses the op: `u` mixes units (W x + U h), `v` is elementwise (h + b). */
type Case = ((t: Inputs) => Tensor) | { readonly refused: true };

const positive = (t: Tensor) => ad.add(ad.exp(t), 0.5);
const refused = { refused: true } as const;

const CASES: { readonly [K in OpName]: Case } = {
  add: ({ u, v }) => ad.add(u, v),
  sub: ({ u, v }) => ad.sub(u, v),
  mul: ({ u, v }) => ad.mul(u, v),
  div: ({ u, v }) => ad.div(u, positive(v)),
  pow: ({ u, v }) => ad.pow(positive(u), v),
  maximum: ({ u, v }) => ad.maximum(u, v),
  minimum: ({ u, v }) => ad.minimum(u, v),
  neg: ({ u }) => ad.neg(u),
  exp: ({ u }) => ad.exp(u),
  log: ({ u }) => ad.log(positive(u)),
  log1p: ({ u }) => ad.log1p(positive(u)),
  tanh: ({ u }) => ad.tanh(u),
  sigmoid: ({ u }) => ad.sigmoid(u),
  softplus: ({ u }) => ad.softplus(u),
  relu: ({ u }) => ad.relu(u),
  abs: ({ u }) => ad.abs(u),
  sqrt: ({ u }) => ad.sqrt(positive(u)),
  greater: ({ u, v }) => ad.mul(ad.greater(u, v), u),
  greaterEqual: ({ u, v }) => ad.mul(ad.greaterEqual(u, v), v),
  less: ({ u, v }) => ad.mul(ad.less(u, v), u),
  lessEqual: ({ u, v }) => ad.mul(ad.lessEqual(u, v), v),
  equal: ({ u, v }) => ad.add(ad.equal(u, v), u),
  notEqual: ({ u, v }) => ad.mul(ad.notEqual(u, v), u),
  sign: ({ u, v }) => ad.mul(ad.sign(u), v),
  stopGradient: ({ u, v }) => ad.mul(ad.stopGradient(u), v),
  where: ({ u, v }) => ad.where(ad.greater(u, 0), u, ad.mul(0.1, v)),
  heaviside: ({ u }) => ad.heaviside(u),
  sum: ({ u, v }) => ad.add(u, ad.sum(v)),
  max: refused,
  matmul: ({ u }) => u,
  reshape: ({ u }) => ad.reshape(u, u.shape),
  transpose: ({ u }) => u,
  broadcastTo: ({ u, v }) => ad.add(u, ad.broadcastTo(ad.sum(v), u.shape)),
  sumTo: ({ u }) => ad.sumTo(u, u.shape),
  slice: refused,
  padSlice: refused,
  concat: refused,
};

/** A cell `h_t = f(u, v, …)` with `u = W x + U h_{t-1}` and `v = h_{t-1} + b`. */
function cellOf(name: string, f: (t: Inputs) => Tensor): Cell {
  return defineCell({
    name,
    init: (key, { inputSize: m, hiddenSize: n }) => ({ params: { W: key.normal([n, m]), U: key.normal([n, n]), b: key.normal([n]) }, state: { h: core.zeros([n]) } }),
    step: (p, s, x) => {
      const wx = ad.matmul(x, ad.transpose(p.W!));
      const u = ad.add(wx, ad.matmul(s.h!, ad.transpose(p.U!)));
      const h = f({ u, v: ad.add(s.h!, p.b!), h: s.h!, wx, b: p.b! });
      return { state: { h }, y: h };
    },
  });
}

const opsOf = (d: Derivation) => new Set(d.structure.graph.equations.map((e) => e.op.name));

describe("every op with a symbolic rule derives Jacobians equal to the engine's", () => {
  const derivable = Object.entries(CASES).filter((e): e is [OpName, (t: Inputs) => Tensor] => typeof e[1] === "function");

  it.each(derivable)("%s", (op, f) => {
    const cell = cellOf(`uses-${op}`, f);
    const d = deriveCell(cell);
    expect(opsOf(d).has(op)).toBe(true);
    const page = printCellPage(d, ostlCost(cell, []));
    for (const seed of [1, 2, 3]) {
      const point = randomPoint(cell, d, seed);
      const check = checkDerivation(d, cell, point);
      expect(check.maxError, JSON.stringify(check.blocks.filter((b) => b.error > 1e-9))).toBeLessThan(1e-9);
      // and the page prints what was checked: every displayed equation, parsed back
      const printed = checkPrintedPage(page, d, cell, point);
      expect(printed.equations.filter((e) => !(e.error < 1e-9)), `printed equations at seed ${seed}`).toEqual([]);
      expect(printed.equations.length).toBe(page.markdown.split("&=").length - 1);
    }
  });

  it("the table agrees with the rules: refused cases are exactly the ops without a rule", () => {
    for (const [op, c] of Object.entries(CASES)) expect(typeof c === "function", op).toBe(symbolicRules[op as OpName].kind !== "none");
  });

  it.each<[string, Surrogate]>([
    ["tanh'", ad.tanhDerivative()],
    ["sigmoid'", ad.sigmoidDerivative(4)],
    ["fast sigmoid", ad.fastSigmoid(10)],
    ["triangle", ad.triangle(2)],
  ])("heaviside through the %s surrogate", (_, surrogate) => {
    const cell = cellOf("spike", ({ u, v }) => ad.heaviside(ad.add(u, v), surrogate));
    const d = deriveCell(cell);
    expect([...d.surrogates.values()].map((s) => s.name)).toEqual([surrogate.name]);
    expect(checkDerivation(d, cell).maxError).toBeLessThan(1e-9);
  });
});

describe("ops without a symbolic rule are refused by name", () => {
  it.each(Object.entries(CASES).filter(([, c]) => typeof c !== "function").map(([op]) => op))("%s", (op) => {
    const uses: Record<string, (t: Inputs) => Tensor> = {
      max: ({ u }) => ad.add(u, ad.max(u)),
      slice: ({ u }) => ad.concat([ad.slice(u, [0], [1]), ad.slice(u, [1], [u.shape[0]!])]),
      padSlice: ({ u }) => ad.padSlice(ad.slice(u, [0], [u.shape[0]!]), u.shape, [0]),
      concat: ({ u }) => ad.concat([ad.slice(u, [0], [1]), ad.slice(u, [1], [u.shape[0]!])]),
    };
    const cell = cellOf(`uses-${op}`, uses[op]!);
    expect(() => deriveCell(cell)).toThrow(DeriveError);
    const first = ad.trace((u: Tensor) => uses[op]!({ u, v: u, h: u, wx: u, b: u }), core.zeros([4])).equations.find((e) => symbolicRules[e.op.name as OpName]?.kind === "none")!;
    expect(() => deriveCell(cell)).toThrow(`uses op '${first.op.name}', which has no symbolic rule`);
  });

  it("a custom op, even under a built-in name", () => {
    const mine = ad.customJvp((x) => ad.tanh(x), ([x], [t]) => ad.mul(t, ad.sub(1, ad.mul(ad.tanh(x!), ad.tanh(x!)))), "tanh");
    const cell = cellOf("custom", ({ u }) => mine(u));
    expect(() => deriveCell(cell)).toThrow(/op 'tanh', which has no symbolic rule \(it is not a primitive of the op table/);
  });
});

describe("the check catches wrong expressions", () => {
  const cell = cellOf("elman", ({ u, v }) => ad.tanh(ad.add(u, v)));
  const d = deriveCell(cell);
  const scaled = (node: NonNullable<Derivation["blocks"][0]["expr"]>) => new OperatorNode("*", "multiply", [new ConstantNode(1 + 1e-6), node]);

  it("a block off by a factor 1 + 1e-6", () => {
    const wrong = { ...d, blocks: d.blocks.map((b, k) => (k === 0 ? { ...b, expr: scaled(b.expr!) } : b)) };
    expect(checkDerivation(d, cell).maxError).toBeLessThan(1e-12);
    expect(checkDerivation(wrong, cell).maxError).toBeGreaterThan(1e-7);
  });

  it("a dense block shown as its diagonal", () => {
    const block = d.blocks.find((b) => b.id === "h|previous:h")!;
    expect(block.form).toBe("full");
    // its true diagonal entries, claimed to be the only nonzero ones
    const diagonal = block.expr!.transform((n) => (n.type === "SymbolNode" && (n as SymbolNode).name === "_s0" ? new SymbolNode("_o0") : n));
    const wrong = { ...d, blocks: d.blocks.map((b) => (b === block ? { ...b, form: "diagonal" as const, srcIndices: ["_o0"], expr: diagonal } : b)) };
    const check = checkDerivation(wrong, cell);
    expect(check.blocks.find((b) => b.id === block.id)!.error).toBeGreaterThan(1e-3);
    expect(check.blocks.filter((b) => b.error > 1e-12).map((b) => b.id)).toEqual([block.id]);
  });

  it("a cell equation off by a factor 1 + 1e-6", () => {
    const wrong = { ...d, equations: d.equations.map((e) => (e.key === "next:h" ? { ...e, rhs: scaled(e.rhs) } : e)) };
    expect(checkDerivation(wrong, cell).values.find((v) => v.key === "next:h")!.error).toBeGreaterThan(1e-7);
  });
});

describe("steps of other shapes", () => {
  const check = (cell: Cell) => {
    const d = deriveCell(cell);
    for (const seed of [1, 2]) expect(checkDerivation(d, cell, randomPoint(cell, d, seed)).maxError).toBeLessThan(1e-9);
    return d;
  };

  it("an output y that is not a state field gets equations and blocks of its own, through the next state", () => {
    const cell = defineCell({
      name: "readout-in-cell",
      init: (key, { inputSize: m, hiddenSize: n }) => ({ params: { W: key.normal([n, m]), v: key.normal([n]) }, state: { h: core.zeros([n]) } }),
      step: (p, s, x) => {
        const h = ad.tanh(ad.add(ad.mul(0.5, s.h!), ad.matmul(x, ad.transpose(p.W!))));
        return { state: { h }, y: ad.sigmoid(ad.mul(p.v!, h)) };
      },
    });
    const d = check(cell);
    expect(d.outputField).toBeNull();
    expect(d.blocks.filter((b) => b.outputKey === "output:y").map((b) => `${b.id}: ${b.form}`)).toEqual(["y|previous:h: diagonal", "y|input:x: full", "y|param:W: row", "y|param:v: diagonal"]);
    expect(renderCellPage(d, ostlCost(cell, []))).toContain("## Output Jacobians");
  });

  it("a state field passed through unchanged, and an array captured by the step", () => {
    const mask = core.tensor([1, 0, 1, 0]);
    const cell = defineCell({
      name: "masked",
      init: (key, { inputSize: m, hiddenSize: n }) => ({ params: { W: key.normal([n, m]) }, state: { h: core.zeros([n]), c: core.zeros([n]) } }),
      step: (p, s, x) => {
        const h = ad.add(ad.mul(mask, s.c!), ad.tanh(ad.matmul(x, ad.transpose(p.W!))));
        return { state: { h, c: s.c! }, y: h };
      },
    });
    const d = check(cell);
    expect([...d.quantities.values()].filter((q) => q.kind === "constant").map((q) => q.tex)).toEqual(["\\kappa^{(1)}"]);
    expect(Object.fromEntries(d.blocks.filter((b) => b.output === "c").map((b) => [b.id, b.form]))).toEqual({ "c|previous:c": "diagonal", "c|previous:h": "zero", "c|input:x": "zero", "c|param:W": "zero" });
  });
});

describe("compact forms follow the proven structure", () => {
  const forms = (d: Derivation) => Object.fromEntries(d.blocks.map((b) => [b.id, b.form]));

  it("an elementwise recurrence: diagonal in the state and the bias, one row per unit in W, U unused", () => {
    const d = deriveCell(cellOf("leaky", ({ h, wx, b }) => ad.add(ad.mul(0.9, h), ad.tanh(ad.add(wx, b)))));
    expect(forms(d)).toEqual({ "h|previous:h": "diagonal", "h|input:x": "full", "h|param:U": "zero", "h|param:W": "row", "h|param:b": "diagonal" });
  });

  it("a recurrence through U: dense in the state, rows in both matrices", () => {
    const d = deriveCell(cellOf("elman", ({ u, b }) => ad.tanh(ad.add(u, b))));
    expect(forms(d)).toEqual({ "h|previous:h": "full", "h|input:x": "full", "h|param:U": "row", "h|param:W": "row", "h|param:b": "diagonal" });
  });

  it("renders index form with letters by role", () => {
    const d = deriveCell(cellOf("elman", ({ u, v }) => ad.tanh(ad.add(u, v))));
    const [a] = d.equations;
    const letters = indexLetters(d, a!.indices.map((i) => [i, d.hiddenSize] as const));
    expect(expressionTex(a!.rhs, d, letters)).toBe("\\sum_{k} W_{ik}~x^{t}_{k} + \\sum_{j} U_{ij}~h^{t-1}_{j} + h^{t-1}_{i} + b_{i}");
    expect(printedExpression(a!.rhs, d, letters).plain).toBe("Sum(k, 3, W(i, k) * x__t(k)) + Sum(j, 4, U(i, j) * h__tm1(j)) + h__tm1(i) + b(i)");
    expect(quantityTex("param", "W_hn")).toBe("W^{(\\mathrm{hn})}");
    expect(quantityTex("previous", "c")).toBe("c^{t-1}");
  });
});

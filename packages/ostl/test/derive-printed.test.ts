/**
 * What a derived-gradient page prints is what was checked: every displayed equation is parsed
 * back from its plain form with mathjs and evaluated against the engine. Cells whose steps
 * subtract sums and products, negate gates, scale maxima, divide sums, read a parameter of shape
 * [1], and an adaptive LIF neuron; the LaTeX the printer once got wrong; and the parse-back
 * refusing pages that print something else than the engine computes.
 */
import * as core from "@ostl/core";
import * as ad from "@ostl/autodiff";
import { type Cell, defineCell } from "@ostl/ostl";
import { checkDerivation, checkedCellPage, checkPrintedPage, type DerivationPoint, deriveCell, ostlCost, printCellPage, type PrintedPage, randomPoint } from "@ostl/ostl/derive";
import { describe, expect, it } from "vitest";
import { adaptiveLif, PRINTED_CELLS, scaledMaxima, scaledMaximumOfBias, sizeOneParameter, subtractedSum } from "./printed-cells.js";

/** Displayed equations of a page, counted in its Markdown (each starts a row `lhs &= …`). */
const displayedEquations = (markdown: string) => markdown.split("\n").filter((l) => l.includes("&=")).length;

const pageOf = (cell: Cell) => {
  const d = deriveCell(cell);
  return { d, page: printCellPage(d, ostlCost(cell, [])) };
};

/** The page with one equation's plain form replaced (as a printer that got it wrong would print it). */
const misprinted = (page: PrintedPage, label: string, plain: string): PrintedPage => {
  expect(page.equations.map((e) => e.label)).toContain(label);
  return { ...page, equations: page.equations.map((e) => (e.label === label ? { ...e, plain } : e)) };
};

describe("every displayed equation of these cells' pages is parsed back and agrees with the engine", () => {
  it.each(PRINTED_CELLS.map((c) => [c.name, c] as const))("%s", (_, cell) => {
    const { d, page } = pageOf(cell);
    expect(page.equations.length).toBe(displayedEquations(page.markdown));
    for (const seed of [1, 2, 3]) {
      const point = randomPoint(cell, d, seed);
      expect(checkDerivation(d, cell, point).maxError).toBeLessThan(1e-9);
      const check = checkPrintedPage(page, d, cell, point);
      expect(check.problems).toEqual([]);
      expect(check.equations.filter((e) => !(e.error < 1e-9) || e.entries === 0), `${cell.name} at seed ${seed}`).toEqual([]);
      expect(check.equations.length).toBe(page.equations.length);
    }
  });

  it("checkedCellPage returns the page with every equation checked", () => {
    const { markdown, equations, maxError } = checkedCellPage(adaptiveLif);
    expect(equations.length).toBe(displayedEquations(markdown));
    expect(equations.map((e) => e.label).slice(0, 6)).toEqual(["u^{(1)}_{i}", "u^{(2)}_{i}", "v^{t}_{i}", "a^{t}_{i}", "u^{(3)}_{i}", "y^{t}_{i}"]);
    expect(maxError).toBeLessThan(1e-9);
  });
});

describe("the printer's LaTeX", () => {
  const rows = (cell: Cell) => pageOf(cell).page.equations.flatMap((e) => e.rows);

  it("a subtracted sum negates every one of its terms", () => {
    expect(rows(subtractedSum)).toContain("h^{t}_{i} &= 0.5~h^{t-1}_{i} - 1 - \\tanh\\left(a_{i}\\right)");
  });

  it("a subtracted product that has a sum as a factor keeps its brackets", () => {
    expect(rows(adaptiveLif)).toContain("v^{t}_{i} &= 0.9~v^{t-1}_{i} + \\sum_{k} W_{ik}~x^{t}_{k} - \\left(1 + \\beta_{i}~a^{t-1}_{i}\\right)~u^{(2)}_{i}");
  });

  it("the derivative of a scaled maximum is bracketed under its coefficient", () => {
    expect(rows(scaledMaxima)).toContain("\\frac{\\partial h^{t}_{i}}{\\partial x^{t}_{k}} &= 0.5~\\left(\\left[a_{i} > h^{t-1}_{i}\\right] + \\frac{1}{2}~\\left[a_{i} = h^{t-1}_{i}\\right]\\right)~W_{ik}");
    expect(rows(scaledMaxima)).toContain("\\frac{\\partial h^{t}_{i}}{\\partial b_{i}} &= -2~\\left(\\left[h^{t-1}_{i} > b_{i}\\right] + \\frac{1}{2}~\\left[h^{t-1}_{i} = b_{i}\\right]\\right)");
  });

  it("a parameter of shape [1] shows no index and no delta", () => {
    const { d, page } = pageOf(sizeOneParameter);
    expect(d.blocks.find((b) => b.id === "h|param:c")!.srcIndices).toEqual(["#0"]);
    const rows = page.equations.flatMap((e) => e.rows);
    expect(rows).toContain("\\frac{\\partial g^{t}_{i}}{\\partial c} &= {\\mathrm{sech}\\left(c~b_{i}\\right)}^{2}~b_{i}");
    expect(rows).toContain("\\frac{\\partial h^{t}_{i}}{\\partial c} &= h^{t-1}_{i} + \\frac{\\partial g^{t}_{i}}{\\partial c}");
    expect(page.markdown).not.toMatch(/\\delta_\{[a-z]\}/);
  });
});

describe("the parse-back refuses an equation printed wrong", () => {
  it("a subtracted sum with only its first term negated", () => {
    const { d, page } = pageOf(subtractedSum);
    const wrong = misprinted(page, "h^{t}_{i}", "h__t(i) == 0.5 * h__tm1(i) - 1 + tanh(a(i))");
    expect(checkPrintedPage(page, d, subtractedSum).maxError).toBeLessThan(1e-12);
    const bad = checkPrintedPage(wrong, d, subtractedSum).equations.filter((e) => !(e.error < 1e-9));
    expect(bad.map((e) => e.label)).toEqual(["h^{t}_{i}"]);
    expect(bad[0]!.error).toBeGreaterThan(0.1);
  });

  it("a maximum's derivative without brackets under its coefficient, caught where the maximum ties", () => {
    const cell = scaledMaximumOfBias;
    const { d, page } = pageOf(cell);
    const random = randomPoint(cell, d, 1);
    // the previous state equal to the bias: every unit at a tie, where the engine splits the derivative evenly
    const tie: DerivationPoint = { ...random, state: { h: random.params.b! } };
    const label = "\\frac{\\partial h^{t}_{i}}{\\partial h^{t-1}_{i}}";
    const unbracketed = misprinted(page, label, "partial(h__t(i), h__tm1(i)) == 0.5 * (h__tm1(i) > b(i) ? 1 : 0) + ((1) / (2)) * (h__tm1(i) == b(i) ? 1 : 0)");
    expect(checkPrintedPage(page, d, cell, tie).maxError).toBeLessThan(1e-12);
    expect(checkPrintedPage(unbracketed, d, cell, tie).equations.find((e) => e.label === label)!.error).toBeCloseTo(1, 12);
  });

  it("a Jacobian with a sign flipped, and a dense block printed as its diagonal", () => {
    const cell = defineCell({
      name: "elman",
      init: (key, { inputSize: m, hiddenSize: n }) => ({ params: { W: key.normal([n, m]), U: key.normal([n, n]) }, state: { h: core.zeros([n]) } }),
      step: (p, s, x) => {
        const h = ad.tanh(ad.add(ad.matmul(x, ad.transpose(p.W!)), ad.matmul(s.h!, ad.transpose(p.U!))));
        return { state: { h }, y: h };
      },
    });
    const { d, page } = pageOf(cell);
    const dense = page.equations.find((e) => e.label === "\\frac{\\partial h^{t}_{i}}{\\partial h^{t-1}_{j}}")!;
    expect(dense.plain).toBe("partial(h__t(i), h__tm1(j)) == sech(a(i)) ^ (2) * U(i, j)");
    const flipped = misprinted(page, dense.label, "partial(h__t(i), h__tm1(j)) == -sech(a(i)) ^ (2) * U(i, j)");
    expect(checkPrintedPage(flipped, d, cell).equations.find((e) => e.label === dense.label)!.error).toBeCloseTo(2, 12);
    // the diagonal alone, claimed to be the only nonzero entries
    const diagonal = misprinted(page, dense.label, "partial(h__t(i), h__tm1(i)) == sech(a(i)) ^ (2) * U(i, i)");
    expect(checkPrintedPage(diagonal, d, cell).equations.find((e) => e.label === dense.label)!.error).toBeGreaterThan(0.1);
  });

  it("an equation that reads a quantity no displayed equation defines, or that does not parse", () => {
    const { d, page } = pageOf(subtractedSum);
    const withoutA = { ...page, equations: page.equations.filter((e) => e.label !== "a_{i}") };
    const check = checkPrintedPage(withoutA, d, subtractedSum);
    expect(check.equations.find((e) => e.label === "h^{t}_{i}")!.problem).toBe("no displayed equation defines $a$");
    const broken = checkPrintedPage(misprinted(page, "h^{t}_{i}", "h__t(i) == 0.5 * h__tm1(i) -"), d, subtractedSum);
    expect(broken.equations.find((e) => e.label === "h^{t}_{i}")).toMatchObject({ error: Number.POSITIVE_INFINITY, problem: expect.stringMatching(/Unexpected end of expression/) });
  });

  it("two quantities printed as one symbol", () => {
    // the pre-activation W x + a_1 is labelled a^{(1)}, as the parameter a_1 is
    const cell = defineCell({
      name: "ambiguous",
      init: (key, { inputSize: m, hiddenSize: n }) => ({ params: { W: key.normal([n, m]), a_1: key.normal([n]) }, state: { h: core.zeros([n]) } }),
      step: (p, s, x) => {
        const h = ad.add(ad.mul(0.5, s.h!), ad.tanh(ad.add(ad.matmul(x, ad.transpose(p.W!)), p.a_1!)));
        return { state: { h }, y: h };
      },
    });
    const { d, page } = pageOf(cell);
    const problem = "the param a_1 and the named intermediate a_1 are both printed as $a^{(1)}$ ('a_1')";
    expect(checkPrintedPage(page, d, cell).problems).toEqual([problem]);
    expect(() => checkedCellPage(cell)).toThrow(`cell 'ambiguous': its page (6 equations) is not written, as it disagrees with the engine: ${problem}; printed equation a^{(1)}_{i} [a_1(i) == Sum(k, 3, W(i, k) * x__t(k)) + a_1(i)]: a^{(1)}_{i} is defined in terms of itself`);
  });
});

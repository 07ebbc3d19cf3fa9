/**
 * The derived-gradient page of a cell, as Markdown with LaTeX (`$…$`, `$$…$$`): the cell
 * equations, the structure the analysis proved, every Jacobian block, the trace layout and cost
 * OSTL picks, and the traced step.
 *
 * @module
 */
import type { MathNode, OperatorNode } from "mathjs";
import type { Derivation, JacobianBlock } from "./model.js";
import type { OstlCost } from "./cost.js";
import type { Index } from "./expr.js";
import { scalarFunctions, type ScalarFunctionName } from "./functions.js";
import { blockLetters, expressionTex, indexLetters, jacobianTex, subscript } from "./tex.js";

/**
 * Options of {@link renderCellPage}.
 *
 * @example
 * ```ts
 * import { deriveCell, ostlCost, renderCellPage, type PageOptions } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const options: PageOptions = { command: "pnpm ostl derive --cell rnn" };
 * console.log(renderCellPage(deriveCell(rnn()), ostlCost(rnn(), []), options).includes("`pnpm ostl derive --cell rnn`")); // true
 * ```
 */
export interface PageOptions {
  /** The command that regenerates the page, quoted in its header. */
  readonly command?: string;
}

/** About how many characters of LaTeX (without sizing commands) a displayed line holds before a long sum breaks. */
const LINE_WIDTH = 120;
const visibleLength = (tex: string) => tex.replace(/\\left|\\right|~|\\mathrm|\\operatorname/g, "").length;

/** Top-level summands of an expression, with their signs. */
function summands(node: MathNode): { sign: "+" | "-"; node: MathNode }[] {
  const o = node as OperatorNode;
  if (node.type === "OperatorNode" && (o.fn === "add" || o.fn === "subtract")) {
    const [a, b] = o.args as [MathNode, MathNode];
    return [...summands(a), ...summands(b).map((t, k) => (k === 0 && o.fn === "subtract" ? { ...t, sign: t.sign === "+" ? ("-" as const) : ("+" as const) } : t))];
  }
  return [{ sign: "+", node }];
}

/** `lhs = rhs` as aligned LaTeX rows, long sums broken after every few terms. */
function alignedRows(lhs: string, rhs: MathNode | null, d: Derivation, letters: ReadonlyMap<Index, string>): string[] {
  if (rhs === null) return [`${lhs} &= 0`];
  const parts = summands(rhs);
  const tex = (k: number) => {
    const t = expressionTex(parts[k]!.node, d, letters);
    const sign = parts[k]!.sign === "-" ? "-" : k === 0 ? "" : "+";
    return `${sign} ${t}`.trim();
  };
  const lines: string[][] = [[]];
  let width = visibleLength(lhs);
  parts.forEach((_, k) => {
    const t = tex(k);
    if (lines.at(-1)!.length > 0 && width + visibleLength(t) > LINE_WIDTH) {
      lines.push([]);
      width = 0;
    }
    lines.at(-1)!.push(t);
    width += visibleLength(t);
  });
  return lines.map((l, k) => (k === 0 ? `${lhs} &= ${l.join(" ")}` : `&\\quad ${l.join(" ")}`));
}

const displayMath = (rows: readonly string[]) => ["$$", "\\begin{aligned}", rows.join(" \\\\\n"), "\\end{aligned}", "$$"].join("\n");

function equationsSection(d: Derivation): string[] {
  const rows = d.equations.flatMap((eq) => {
    const q = d.quantities.get(eq.key)!;
    const letters = indexLetters(d, eq.indices.map((i, a) => [i, q.shape[a]!] as const));
    return alignedRows(`${q.tex}${subscript(eq.indices, letters)}`, eq.rhs, d, letters);
  });
  const out = ["## Cell equations", "", displayMath(rows), ""];
  if (d.outputField !== null) out.push(outputSentence(d, d.outputField), "");
  const defs = definitions(d);
  if (defs.length > 0) out.push(`Functions: ${defs.join("; ")}.`, "");
  return out;
}

/** What the next layer reads, when it is a state field. */
function outputSentence(d: Derivation, field: string): string {
  const tex = d.quantities.get(`next:${field}`)!.tex;
  return field === "y" ? `The output the next layer reads is the state field $${tex}$ itself.` : `The output the next layer reads is the state field $${field}$: $y^{t} = ${tex}$.`;
}

/** Definition lines of the functions a derivation uses (surrogates marked as definitions). */
function definitions(d: Derivation): string[] {
  const used = new Set<string>();
  const visit = (n: MathNode) => n.traverse((m) => m.type === "FunctionNode" && used.add((m as unknown as { fn: { name: string } }).fn.name));
  d.equations.forEach((e) => visit(e.rhs));
  d.blocks.forEach((b) => b.expr && visit(b.expr));
  const defs = [...used].filter((n) => Object.hasOwn(scalarFunctions, n) && scalarFunctions[n as ScalarFunctionName].definition !== "").map((n) => `$${scalarFunctions[n as ScalarFunctionName].definition}$`);
  const many = d.surrogates.size > 1;
  [...d.surrogates.entries()].forEach(([, s], k) => {
    defs.push(`$\\Theta'${many ? `_{${k + 1}}` : ""}(x) := ${s.tex}$, the surrogate derivative \`${s.name}\` of the step (a definition: the step's true derivative is zero almost everywhere)`);
  });
  return defs;
}

const fieldTex = (d: Derivation, key: string) => `$${d.quantities.get(key)!.tex}$`;
const FORM_WORD: Record<string, string> = { zero: "zero", diagonal: "diagonal", row: "one row per unit", full: "dense" };

function structureSection(d: Derivation): string[] {
  const s = d.structure;
  const sources = d.blocks.filter((b, k, all) => all.findIndex((c) => c.source.key === b.source.key) === k && b.source.kind !== "param").map((b) => b.source);
  const outputs = [...new Set(d.blocks.map((b) => b.outputKey))];
  const cell = (o: string, src: string) => {
    const b = d.blocks.find((x) => x.outputKey === o && x.source.key === src)!;
    return b.form === "zero" ? "0" : b.pattern;
  };
  return [
    "## Structure",
    "",
    "Dependency patterns proved by the structure analysis of the traced step (`diag`: entry i depends only on entry i; `row`: only on row i; `dense`: on anything).",
    "",
    `| | ${sources.map((src) => fieldTex(d, src.key)).join(" | ")} |`,
    `| --- | ${sources.map(() => "---").join(" | ")} |`,
    ...outputs.map((o) => `| ${fieldTex(d, o)} | ${sources.map((src) => cell(o, src.key)).join(" | ")} |`),
    "",
    `The temporal Jacobian $\\partial s^{t} / \\partial s^{t-1}$ is **${s.temporalJacobian}**${s.temporalJacobian === "diagonal" ? ": every unit's next state depends only on its own previous state, so OSTL keeps traces of the parameters' own shapes." : ": units are coupled through the previous state, so exact OSTL keeps dense traces (every state entry against every parameter)."}`,
    "",
  ];
}

function blockRows(d: Derivation, b: JacobianBlock): string[] {
  const letters = blockLetters(d, b);
  const lhs = jacobianTex(d, b, subscript(b.outIndices, letters), subscript(b.srcIndices, letters));
  return alignedRows(lhs, b.expr, d, letters);
}

function blocksSection(d: Derivation, title: string, intro: string, blocks: readonly JacobianBlock[]): string[] {
  if (blocks.length === 0) return [];
  const shown = blocks.filter((b) => b.form !== "zero");
  const zero = blocks.filter((b) => b.form === "zero");
  const notes = shown
    .filter((b) => b.form === "diagonal" || b.form === "row")
    .map((b) => `$\\partial ${d.quantities.get(b.outputKey)!.tex} / \\partial ${d.quantities.get(b.source.key)!.tex}$: ${FORM_WORD[b.form]}`);
  const out = [`## ${title}`, "", intro, ""];
  if (shown.length > 0) out.push(displayMath(shown.flatMap((b) => blockRows(d, b))), "");
  if (notes.length > 0) out.push(`Shown compactly, the other entries being proven zero: ${notes.join("; ")}.`, "");
  if (zero.length > 0) out.push(`Zero: ${zero.map((b) => `$\\partial ${d.quantities.get(b.outputKey)!.tex} / \\partial ${d.quantities.get(b.source.key)!.tex}$`).join(", ")}.`, "");
  return out;
}

function outputSection(d: Derivation): string[] {
  if (d.outputField === null) {
    return blocksSection(d, "Output Jacobians $\\partial y^{t} / \\partial (s^{t-1}, x^{t}, \\theta)$", "The output y is not a state field; its derivatives, through the next state where it reads it:", d.blocks.filter((b) => b.outputKey === "output:y"));
  }
  const fields = d.structure.stateNames.filter((f) => f !== d.outputField);
  const y = d.quantities.get(`next:${d.outputField}`)!.tex;
  const others = fields.map((f) => `$\\partial y / \\partial ${d.quantities.get(`next:${f}`)!.tex} = 0$`);
  return [
    "## Output Jacobian $\\partial y^{t} / \\partial s^{t}$",
    "",
    `${outputSentence(d, d.outputField)} So $\\partial y / \\partial ${y} = I$${others.length > 0 ? ` and ${others.join(", ")}` : ""}: the output's eligibility traces are those of $${y}$, and its Jacobians with respect to the previous state, the input and the parameters are the ones above.`,
    "",
  ];
}

function costSection(cost: OstlCost): string[] {
  const approx = cost.temporalJacobian === "dense";
  const fmt = (x: number) => x.toLocaleString("en-US");
  return [
    "## OSTL: trace layout and cost",
    "",
    `Exact traces: **${cost.traces}**. ${approx ? "The optional diagonal approximation (`approximation: \"diagonal\"`, SnAp-1 / e-prop style) keeps only the diagonal of the temporal Jacobian; it is labelled approximate wherever it is used." : "This is exact: the diagonal is proven, not assumed."}`,
    "",
    `| parameter | shape | reaches the units | trace layout | trace floats${approx ? " | layout (diagonal approximation)" : ""} |`,
    `| --- | --- | --- | --- | ---${approx ? " | ---" : ""} |`,
    ...cost.params.map((p) => `| \`${p.name}\` | ${p.shape} | ${p.reach} | ${p.layout} | $${p.traceFloats}$${approx ? ` | ${p.approximateLayout}` : ""} |`),
    "",
    "Estimated per step for one layer of n units reading m inputs (flops from the traced graph; OSTL: the trace update of this layer):",
    "",
    "| n | m | forward flops | OSTL flops | OSTL / forward | OSTL trace floats | RTRL influence floats |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...cost.rows.map((r) => `| ${r.hiddenSize} | ${r.inputSize} | ${fmt(r.forwardFlops)} | ${fmt(r.ostlFlops)} | ${(r.ostlFlops / r.forwardFlops).toFixed(1)} | ${fmt(r.traceFloats)} | ${fmt(r.rtrlFloats)} |`),
    "",
  ];
}

/**
 * Renders a derivation as a Markdown page with LaTeX math: cell equations first, then the
 * structure, the temporal, spatial, parameter and output Jacobians, the OSTL trace layout and
 * cost (from {@link ostlCost}), and the traced step.
 *
 * @example
 * ```ts
 * import { deriveCell, ostlCost, renderCellPage } from "@ostl/ostl/derive";
 * import { ssnu } from "@ostl/models";
 * const cell = ssnu();
 * const page = renderCellPage(deriveCell(cell), ostlCost(cell), { command: "ostl derive --cell ssnu" });
 * console.log(page.split("\n")[0]); // # Derived gradients: `ssnu`
 * ```
 */
export function renderCellPage(d: Derivation, cost: OstlCost, options: PageOptions = {}): string {
  const of = (kind: string) => d.blocks.filter((b) => b.outputKey.startsWith("next:") && b.source.kind === kind);
  const lines = [
    `# Derived gradients: \`${d.cell}\``,
    "",
    `Generated${options.command ? ` by \`${options.command}\`` : ""} from the traced step of the cell: do not edit by hand. Every expression below is a mathjs expression tree derived from the step; the test suite evaluates each one at random points and compares it with the engine's Jacobians.`,
    "",
    `Notation: $i$ indexes the $n$ units and $k$ the $m$ inputs; $s^{t-1}$ is the previous state, $s^{t}$ the next one, $x^{t}$ the input at step $t$. Sums run over the whole range of their index; $\\delta_{ij}$ is 1 when $i = j$, else 0.`,
    "",
    ...equationsSection(d),
    ...structureSection(d),
    ...blocksSection(d, "Temporal Jacobian $\\partial s^{t} / \\partial s^{t-1}$", "Each next-state field against each previous-state field: the recurrence OSTL's eligibility traces follow forward in time.", of("state")),
    ...blocksSection(d, "Spatial Jacobian $\\partial s^{t} / \\partial x^{t}$", "The next state against the input: what carries learning signals to the layer below.", of("input")),
    ...blocksSection(d, "Parameter Jacobians $\\partial s^{t} / \\partial \\theta$", "The immediate parameter Jacobians (previous state held fixed): the inhomogeneous term of the eligibility traces.", of("param")),
    ...outputSection(d),
    ...costSection(cost),
    "## Traced step",
    "",
    "The primitive operations the pages were derived from (traced at n = " + `${d.hiddenSize}, m = ${d.inputSize}):`,
    "",
    "```text",
    d.structure.graph.toString(),
    "```",
    "",
  ];
  return lines.join("\n");
}

/**
 * The derived-gradient page of a cell, as Markdown with LaTeX (`$…$`, `$$…$$`): the cell
 * equations, the structure the analysis proved, every Jacobian block, the trace layout and cost
 * OSTL picks, and the traced step. Every displayed equation is printed together with its plain
 * form (see print.ts), which {@link checkPrintedPage} parses back and evaluates.
 *
 * @module
 */
import type { MathNode } from "mathjs";
import type { OstlCost } from "./cost.js";
import type { Index } from "./expr.js";
import type { Derivation, JacobianBlock } from "./model.js";
import { ExpressionPrinter, jacobianPrinted, joinTerms, type Printed, quantityPrinted, surrogateSymbol } from "./print.js";

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

/**
 * One displayed equation of a page: its LaTeX rows as displayed and its plain form, printed
 * from the same tree in the same pass.
 *
 * @example
 * ```ts
 * import { deriveCell, ostlCost, printCellPage, type PrintedEquation } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const h: PrintedEquation = printCellPage(deriveCell(rnn()), ostlCost(rnn(), [])).equations[1]!;
 * console.log(h.label, h.plain); // h^{t}_{i} h__t(i) == tanh(a(i))
 * console.log(h.rows); // ["h^{t}_{i} &= \\tanh\\left(a_{i}\\right)"]
 * ```
 */
export interface PrintedEquation {
  /** The left-hand side in LaTeX (what names the equation in messages). */
  readonly label: string;
  /** The LaTeX rows as displayed (`lhs &= …`, then `&\quad …` where a long sum breaks). */
  readonly rows: readonly string[];
  /** `lhs == rhs` in the plain form mathjs parses. */
  readonly plain: string;
}

/**
 * A rendered page and every equation it displays, in page order.
 *
 * @example
 * ```ts
 * import { deriveCell, ostlCost, printCellPage, type PrintedPage } from "@ostl/ostl/derive";
 * import { lstm } from "@ostl/models";
 * const page: PrintedPage = printCellPage(deriveCell(lstm()), ostlCost(lstm(), []));
 * console.log(page.equations.length, page.markdown.split("&=").length - 1); // 33 33
 * ```
 */
export interface PrintedPage {
  readonly markdown: string;
  readonly equations: readonly PrintedEquation[];
}

/** About how many characters of LaTeX (without sizing commands) a displayed line holds before a long sum breaks. */
const LINE_WIDTH = 120;
const visibleLength = (tex: string) => tex.replace(/\\left|\\right|~|\\mathrm|\\operatorname/g, "").length;

/** `lhs = rhs` as aligned LaTeX rows, a long sum broken between terms, and its plain form. */
function alignedEquation(printer: ExpressionPrinter, lhs: Printed, rhs: MathNode | null, letters: ReadonlyMap<Index, string>): PrintedEquation {
  if (rhs === null) return { label: lhs.tex, rows: [`${lhs.tex} &= 0`], plain: `${lhs.plain} == 0` };
  const terms = printer.terms(rhs, letters);
  const lines: (typeof terms)[] = [[]];
  let width = visibleLength(lhs.tex);
  for (const t of terms) {
    const w = visibleLength(t.piece.tex) + 3;
    if (lines.at(-1)!.length > 0 && width + w > LINE_WIDTH) {
      lines.push([]);
      width = 0;
    }
    lines.at(-1)!.push(t);
    width += w;
  }
  // a continued line starts with its sign: `&\quad + x`
  const rows = lines.map((l, k) => (k === 0 ? `${lhs.tex} &= ${joinTerms(l, "tex")}` : `&\\quad ${l[0]!.negative ? "" : "+ "}${joinTerms(l, "tex").replace(/^-/, "- ")}`));
  return { label: lhs.tex, rows, plain: `${lhs.plain} == ${joinTerms(terms, "plain")}` };
}

const displayMath = (equations: readonly PrintedEquation[]) => ["$$", "\\begin{aligned}", equations.flatMap((e) => e.rows).join(" \\\\\n"), "\\end{aligned}", "$$"].join("\n");

/** The printed equations of a derivation: the cell equations and every block that is not zero. */
function printEquations(printer: ExpressionPrinter): { cell: PrintedEquation[]; blocks: Map<JacobianBlock, PrintedEquation> } {
  const d = printer.derivation;
  const cell = d.equations.map((eq) => {
    const q = d.quantities.get(eq.key)!;
    const letters = printer.letters(eq.indices.map((i, a) => [i, q.shape[a]!] as const));
    return alignedEquation(printer, quantityPrinted(q, eq.indices, letters), eq.rhs, letters);
  });
  const blocks = new Map<JacobianBlock, PrintedEquation>();
  for (const b of d.blocks) {
    if (b.form === "zero") continue;
    const letters = printer.letters([...new Set([...b.outIndices, ...b.srcIndices])].map((i) => [i, b.sizes[i]!] as const));
    blocks.set(b, alignedEquation(printer, jacobianPrinted(d, b, b.outIndices, b.srcIndices, letters), b.expr, letters));
  }
  return { cell, blocks };
}

function equationsSection(d: Derivation, equations: readonly PrintedEquation[], definitions: readonly string[]): string[] {
  const out = ["## Cell equations", "", displayMath(equations), ""];
  if (d.outputField !== null) out.push(outputSentence(d, d.outputField), "");
  if (definitions.length > 0) out.push(`Functions: ${definitions.join("; ")}.`, "");
  return out;
}

/** What the next layer reads, when it is a state field. */
function outputSentence(d: Derivation, field: string): string {
  const tex = d.quantities.get(`next:${field}`)!.tex;
  return field === "y" ? `The output the next layer reads is the state field $${tex}$ itself.` : `The output the next layer reads is the state field $${field}$: $y^{t} = ${tex}$.`;
}

/** Definition lines of the functions the printed equations use, then the surrogates (marked as definitions). */
function definitions(d: Derivation, printer: ExpressionPrinter): string[] {
  const defs = [...printer.definitions].map((def) => `$${def}$`);
  for (const [key, s] of d.surrogates) {
    defs.push(`$${surrogateSymbol(d, key).tex}(x) := ${s.tex}$, the surrogate derivative \`${s.name}\` of the step (a definition: the step's true derivative is zero almost everywhere)`);
  }
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

/** The section of some blocks; the equations it displays are appended to `shown`, in order. */
function blocksSection(d: Derivation, printed: ReadonlyMap<JacobianBlock, PrintedEquation>, shown: PrintedEquation[], title: string, intro: string, blocks: readonly JacobianBlock[]): string[] {
  if (blocks.length === 0) return [];
  const nonzero = blocks.filter((b) => b.form !== "zero");
  const zero = blocks.filter((b) => b.form === "zero");
  const notes = nonzero
    .filter((b) => b.form === "diagonal" || b.form === "row")
    .map((b) => `$\\partial ${d.quantities.get(b.outputKey)!.tex} / \\partial ${d.quantities.get(b.source.key)!.tex}$: ${FORM_WORD[b.form]}`);
  const out = [`## ${title}`, "", intro, ""];
  const equations = nonzero.map((b) => printed.get(b)!);
  shown.push(...equations);
  if (equations.length > 0) out.push(displayMath(equations), "");
  if (notes.length > 0) out.push(`Shown compactly, the other entries being proven zero: ${notes.join("; ")}.`, "");
  if (zero.length > 0) out.push(`Zero: ${zero.map((b) => `$\\partial ${d.quantities.get(b.outputKey)!.tex} / \\partial ${d.quantities.get(b.source.key)!.tex}$`).join(", ")}.`, "");
  return out;
}

function outputSection(d: Derivation, printed: ReadonlyMap<JacobianBlock, PrintedEquation>, shown: PrintedEquation[]): string[] {
  if (d.outputField === null) {
    return blocksSection(d, printed, shown, "Output Jacobians $\\partial y^{t} / \\partial (s^{t-1}, x^{t}, \\theta)$", "The output y is not a state field; its derivatives, through the next state where it reads it:", d.blocks.filter((b) => b.outputKey === "output:y"));
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
 * cost (from {@link ostlCost}), and the traced step; with every displayed equation in both
 * printed forms, in page order, for {@link checkPrintedPage}.
 *
 * @throws {@link DeriveError} when an expression has no printed form.
 * @example
 * ```ts
 * import { deriveCell, ostlCost, printCellPage } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const { markdown, equations } = printCellPage(deriveCell(rnn()), ostlCost(rnn(), []), { command: "ostl derive --cell rnn" });
 * console.log(markdown.split("\n")[0], equations.map((e) => e.label));
 * // # Derived gradients: `rnn` ["a_{i}", "h^{t}_{i}", "\\frac{\\partial h^{t}_{i}}{\\partial h^{t-1}_{j}}", "\\frac{\\partial h^{t}_{i}}{\\partial x^{t}_{k}}", "\\frac{\\partial h^{t}_{i}}{\\partial U_{ij}}", "\\frac{\\partial h^{t}_{i}}{\\partial W_{ik}}", "\\frac{\\partial h^{t}_{i}}{\\partial b_{i}}"]
 * ```
 */
export function printCellPage(d: Derivation, cost: OstlCost, options: PageOptions = {}): PrintedPage {
  const printer = new ExpressionPrinter(d);
  const { cell, blocks } = printEquations(printer);
  const shown: PrintedEquation[] = [...cell];
  const of = (kind: string) => d.blocks.filter((b) => b.outputKey.startsWith("next:") && b.source.kind === kind);
  const jacobians = [
    ...blocksSection(d, blocks, shown, "Temporal Jacobian $\\partial s^{t} / \\partial s^{t-1}$", "Each next-state field against each previous-state field: the recurrence OSTL's eligibility traces follow forward in time.", of("state")),
    ...blocksSection(d, blocks, shown, "Spatial Jacobian $\\partial s^{t} / \\partial x^{t}$", "The next state against the input: what carries learning signals to the layer below.", of("input")),
    ...blocksSection(d, blocks, shown, "Parameter Jacobians $\\partial s^{t} / \\partial \\theta$", "The immediate parameter Jacobians (previous state held fixed): the inhomogeneous term of the eligibility traces.", of("param")),
    ...outputSection(d, blocks, shown),
  ];
  const lines = [
    `# Derived gradients: \`${d.cell}\``,
    "",
    `Generated${options.command ? ` by \`${options.command}\`` : ""} from the traced step of the cell: do not edit by hand. Each of the ${shown.length} equations below is printed together with a plain form that mathjs parses; \`ostl derive\` writes the page only after parsing every one back and evaluating it at a random point against the engine's values and Jacobians.`,
    "",
    `Notation: $i$ indexes the $n$ units and $k$ the $m$ inputs; $s^{t-1}$ is the previous state, $s^{t}$ the next one, $x^{t}$ the input at step $t$. Sums run over the whole range of their index; $\\delta_{ij}$ is 1 when $i = j$, else 0.`,
    "",
    ...equationsSection(d, cell, definitions(d, printer)),
    ...structureSection(d),
    ...jacobians,
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
  return { markdown: lines.join("\n"), equations: shown };
}

/**
 * The page of {@link printCellPage} as Markdown only.
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
  return printCellPage(d, cost, options).markdown;
}

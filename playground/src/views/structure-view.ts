/**
 * The structure panel: the temporal Jacobian, the dependency pattern of every next-state field on
 * every previous-state field, the parameters' reach and trace layouts, and the floats and flops
 * per step of RTRL, OSTL and BPTT.
 */
import type { StructureSummary } from "../protocol.js";
import { el, table } from "./dom.js";

const count = (n: number) => n.toLocaleString("en-US");

/** The structure of the cell as HTML. */
export function structureView(s: StructureSummary): HTMLElement {
  const fields = s.stateFields;
  return el(
    "div",
    { "data-temporal-jacobian": s.temporalJacobian },
    el("p", {}, `Cell '${s.cell}' as one layer (n = ${s.hiddenSize} units, m = ${s.inputSize} inputs). Temporal Jacobian ∂sᵗ/∂sᵗ⁻¹: `, el("strong", { class: "temporal" }, s.temporalJacobian)),
    table(
      "Dependency of each next-state field (rows) on each previous-state field (columns)",
      ["next \\ previous", ...fields.map((f) => `${f}ᵗ⁻¹`)],
      fields.map((f) => [`${f}ᵗ`, ...fields.map((g) => s.temporal[f]?.[g] ?? "none")]),
    ),
    table(
      "Parameters: how each reaches the units, and the OSTL trace layout",
      ["parameter", "shape", "reach", "trace layout", "trace floats"],
      s.params.map((p) => [p.name, `[${p.shape.join(", ")}]`, p.reach, p.layout, count(p.traceFloats)]),
    ),
    table(
      "Per step",
      ["algorithm", "floats carried", "flops"],
      [
        ["RTRL", count(s.floatsPerStep.rtrl), count(s.flopsPerStep.rtrl)],
        ["OSTL", count(s.floatsPerStep.ostl), count(s.flopsPerStep.ostl)],
        ["BPTT", "grows with T (tape)", count(s.flopsPerStep.bptt)],
      ],
    ),
  );
}

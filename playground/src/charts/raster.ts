/**
 * A spike raster: one row per hidden unit, one column per time step, a mark where the unit
 * fired. For units that do not spike, the same grid shows each output's value as a grey level.
 */
import { chartFrame, svg } from "./svg.js";

/** The raster of `values[t][i]`; `spiking` draws marks for 1s, otherwise grey levels of values in [0, 1] (clamped). */
export function raster(title: string, values: readonly (readonly number[])[], spiking: boolean): SVGElement {
  const steps = values.length;
  const units = values[0]?.length ?? 0;
  const [left, top, cell] = [4, 18, 8];
  const [width, height] = [Math.max(left + steps * cell + 6, 260), top + units * cell + 18];
  const frame = chartFrame(width, height, title);
  // drawn at its own size (one unit a pixel), never enlarged: a few steps would otherwise fill the screen
  frame.setAttribute("width", String(width));
  frame.setAttribute("height", String(height));
  frame.classList.add("natural-size");
  frame.append(svg("text", { x: left, y: 12, class: "chart-title" }, title));
  frame.append(svg("rect", { x: left, y: top, width: steps * cell, height: units * cell, class: "raster-ground" }));
  values.forEach((row, t) =>
    row.forEach((v, i) => {
      const level = Math.min(1, Math.max(0, v));
      if (level === 0) return;
      frame.append(svg("rect", { x: left + t * cell + 1, y: top + i * cell + 1, width: cell - 2, height: cell - 2, class: spiking ? "spike" : "activity", "fill-opacity": spiking ? 1 : level.toFixed(2) }));
    }),
  );
  frame.append(svg("text", { x: left, y: top + units * cell + 14, class: "axis" }, `time step → (${steps} steps); rows: ${units} hidden units`));
  return frame;
}

/**
 * The Train panel: the loss curves (train and validation per epoch, epoch 0 before training), and
 * the hidden layer over the first validation sequences: a spike raster for a spiking cell, its outputs
 * as grey levels otherwise.
 */
import { lineChart } from "../charts/line-chart.js";
import { raster } from "../charts/raster.js";
import type { EpochPoint, HiddenActivity } from "../protocol.js";
import { el } from "./dom.js";

/** The losses and the latest activity of a training run, as HTML. */
export function trainView(points: readonly EpochPoint[], activity: HiddenActivity | null, metric: string): HTMLElement {
  const first = points[0];
  const last = points.at(-1);
  const summary =
    first === undefined || last === undefined
      ? "starting…"
      : `epoch ${last.epoch}: train loss ${last.train.toFixed(4)}, validation loss ${last.valid.toFixed(4)} (before training: ${first.valid.toFixed(4)})`;
  return el(
    "div",
    { "data-first-loss": String(first?.valid ?? ""), "data-last-loss": String(last?.valid ?? ""), "data-epochs": String(last?.epoch ?? 0) },
    el("p", { class: "train-summary" }, summary),
    el("p", { class: "metric" }, `Loss: ${metric}`),
    el(
      "div",
      { class: "charts" },
      lineChart("loss per epoch", "epoch", [
        { name: "train", colour: "#1f5fa8", points: points.filter((p) => p.epoch > 0).map((p) => [p.epoch, p.train]) },
        { name: "validation", colour: "#b3421b", points: points.map((p) => [p.epoch, p.valid]) },
      ]),
      ...(activity === null ? [] : [raster(activity.spiking ? "spike raster of the hidden layer" : "hidden layer outputs (grey level)", activity.values, activity.spiking)]),
    ),
  );
}

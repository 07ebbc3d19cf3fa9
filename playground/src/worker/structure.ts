/**
 * The structure analysis of a cell as the page shows it: the temporal Jacobian's pattern per
 * state field, each parameter's reach and OSTL trace layout, and the floats and flops per step,
 * for the cell as the single layer of a network of the playground's sizes.
 */
import { PRNG } from "@ostl/core";
import { analyze, analyzeCell, type Cell, Network } from "@ostl/ostl";
import { mse } from "@ostl/models";
import type { StructureSummary } from "../protocol.js";
import { SIZES } from "./sizes.js";

/** A stack of `layers` layers of `cell` (default one) at the playground's sizes, read out by the mean squared error. */
export function studyNetwork(cell: Cell, layers = 1): Network {
  return new Network({
    inputSize: SIZES.inputSize,
    layers: Array.from({ length: layers }, () => ({ cell, hiddenSize: SIZES.hiddenSize })),
    outputSize: SIZES.outputSize,
    loss: mse,
  });
}

/** What the structure analysis proves about `cell`. */
export function structureOf(cell: Cell): StructureSummary {
  const cellStructure = analyzeCell(cell, SIZES.inputSize, SIZES.hiddenSize, new PRNG(0));
  const analysis = analyze(studyNetwork(cell));
  const layer = analysis.layers[0]!;
  return {
    cell: cell.name,
    inputSize: SIZES.inputSize,
    hiddenSize: SIZES.hiddenSize,
    temporalJacobian: cellStructure.temporalJacobian,
    temporal: cellStructure.temporal,
    stateFields: cellStructure.stateNames,
    params: layer.params.map((p) => ({ name: p.name, shape: p.shape, reach: p.reach, layout: p.layout, traceFloats: p.traceFloats })),
    floatsPerStep: analysis.traceFloats,
    flopsPerStep: analysis.flopsPerStep,
  };
}

import * as arithmetic from "./ops/arithmetic.js";
import { heavisideOp } from "./ops/heaviside.js";
import { matmulOp } from "./ops/matmul.js";
import { maxOp, sumOp } from "./ops/reduce.js";
import * as structure from "./ops/structure.js";

/**
 * Every built-in primitive, keyed by name: one record each with its kernel, forward rule and
 * reverse rule. Composite ops (mean, min, softmax, logSoftmax, logSumExp, stack, outer) are
 * written with these and need no rules of their own.
 *
 * @example
 * ```ts
 * import { opTable } from "@ostl/autodiff";
 * Object.keys(opTable).length; // number of primitives
 * ```
 */
export const opTable = {
  add: arithmetic.addOp,
  sub: arithmetic.subOp,
  mul: arithmetic.mulOp,
  div: arithmetic.divOp,
  pow: arithmetic.powOp,
  maximum: arithmetic.maximumOp,
  minimum: arithmetic.minimumOp,
  neg: arithmetic.negOp,
  exp: arithmetic.expOp,
  log: arithmetic.logOp,
  log1p: arithmetic.log1pOp,
  tanh: arithmetic.tanhOp,
  sigmoid: arithmetic.sigmoidOp,
  softplus: arithmetic.softplusOp,
  relu: arithmetic.reluOp,
  abs: arithmetic.absOp,
  sqrt: arithmetic.sqrtOp,
  greater: arithmetic.greaterOp,
  greaterEqual: arithmetic.greaterEqualOp,
  less: arithmetic.lessOp,
  lessEqual: arithmetic.lessEqualOp,
  equal: arithmetic.equalOp,
  notEqual: arithmetic.notEqualOp,
  sign: arithmetic.signOp,
  stopGradient: arithmetic.stopGradientOp,
  where: arithmetic.whereOp,
  heaviside: heavisideOp,
  sum: sumOp,
  max: maxOp,
  matmul: matmulOp,
  reshape: structure.reshapeOp,
  transpose: structure.transposeOp,
  broadcastTo: structure.broadcastToOp,
  sumTo: structure.sumToOp,
  slice: structure.sliceOp,
  padSlice: structure.padSliceOp,
  concat: structure.concatOp,
} as const;

/** The name of a built-in primitive. */
export type OpName = keyof typeof opTable;

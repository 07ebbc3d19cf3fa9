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
 * import { opTable, tensor } from "@ostl/autodiff";
 * console.log(opTable.tanh.name, "matmul" in opTable, "mean" in opTable); // tanh true false
 * console.log(opTable.exp.impl([tensor([0])], {}).toNested()); // [1]
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

/**
 * The name of a built-in primitive.
 *
 * @example
 * ```ts
 * import { opTable, type OpName } from "@ostl/autodiff";
 * const unary: OpName[] = ["exp", "tanh"];
 * console.log(unary.map((name) => opTable[name].name)); // ["exp", "tanh"]
 * ```
 */
export type OpName = keyof typeof opTable;

/**
 * `@ostl/core`: strided float64/float32 arrays over scijs ndarray, destination-first kernels,
 * a register-tiled matrix product and a seeded PRNG.
 *
 * @example
 * ```ts
 * import { PRNG, matmul, tanh, add, sum, tensor } from "@ostl/core";
 * const rng = new PRNG(0);
 * const W = rng.normal([4, 3], 0, 0.5);
 * const h = tanh(add(matmul(W, tensor([1, 2, 3])), 0.1));
 * console.log(h.shape, sum(h).item());
 * ```
 *
 * @packageDocumentation
 */
export { OstlError, ShapeError, DTypeError, ValueError, AllocationError } from "./errors.js";
export { type DType, type TypedArray, isDType, checkDType, dtypeOfData, allocate, commonDType } from "./dtype.js";
export {
  formatShape,
  shapeSize,
  contiguousStrides,
  checkShape,
  shapesEqual,
  normalizeAxis,
  normalizeAxes,
  checkCount,
  broadcastShapesFor,
  broadcastStrides,
} from "./shape.js";
export { NDArray, isNDArray, type NestedArray } from "./ndarray.js";
export { firstNonFinite } from "./finite.js";
export {
  tensor,
  type TensorOptions,
  fromTyped,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  fullLike,
  arange,
  eye,
  copy,
  astype,
  contiguous,
} from "./create.js";
export { PRNG } from "./prng.js";
export { reshape, transpose, slice, padSlice, expandDims, squeeze } from "./views.js";
export { broadcastShapes, broadcastTo, sumTo } from "./broadcast.js";
export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  greater,
  greaterEqual,
  less,
  lessEqual,
  equal,
  notEqual,
  where,
  type BinaryOpName,
} from "./elementwise.js";
export {
  neg,
  exp,
  log,
  tanh,
  sigmoid,
  relu,
  abs,
  sqrt,
  sign,
  square,
  reciprocal,
  log1p,
  expm1,
  softplus,
  type UnaryOpName,
} from "./unary.js";
export { sigmoidScalar, softplusScalar } from "./loops/unary.js";
export { sum, mean, max, min, argmax } from "./reduce.js";
export { matmul, matmulInto, outer } from "./matmul.js";
export { concat, stack } from "./join.js";
export { allClose, maxAbsDiff } from "./compare.js";
export { kernels, type Kernels, type BinaryKernel, type UnaryKernel } from "./kernels.js";
export { FunctionBuilder, valueType, wasmModule } from "./wasm/assembler.js";
export { WasmKernels } from "./wasm/runtime.js";
export { LogisticLanes, WasmLogistic } from "./wasm/logistic-kernels.js";

export { tensor, NDArray, type DType, type NestedArray, PRNG, OstlError, ShapeError, DTypeError, ValueError } from "@ostl/core";
export { Tracer, Transform, type Tensor, type TensorLike, bind, shapeOf, dtypeOf, concreteOf, withTransform, activeTransforms } from "./tracer.js";
export { type OpDef, type NoParams, NO_PARAMS, JvpContext, linear, zeroDerivative } from "./op.js";
export { opTable, type OpName } from "./op-table.js";
export {
  add, sub, mul, div, pow, maximum, minimum, neg, exp, log, log1p, tanh, sigmoid, softplus, relu, abs, sqrt, sign,
  greater, greaterEqual, less, lessEqual, equal, notEqual, where, stopGradient, elementwise, binaryElementwise, addTangents,
} from "./ops/arithmetic.js";
export { reshape, transpose, broadcastTo, sumTo, slice, padSlice, concat, stack, expandDims, alignTangent } from "./ops/structure.js";
export { sum, max, min, mean, logSumExp, logSoftmax, softmax } from "./ops/reduce.js";
export { matmul, outer } from "./ops/matmul.js";
export { heaviside } from "./ops/heaviside.js";
export { type Surrogate, tanhDerivative, sigmoidDerivative, fastSigmoid, triangle } from "./surrogate.js";
export { jvp, jacfwd, type JvpOptions, type ArgnumOptions, JvpTracer, JvpTransform } from "./forward.js";
export { vjp, grad, valueAndGrad, jacrev, type GradOptions, type Pullback, ReverseTracer, ReverseTransform } from "./reverse.js";
export { hessian, hvp } from "./nesting.js";
export { customJvp, customVjp } from "./custom.js";
export { trace, type Graph, type IrVar, type IrConst, type IrEquation } from "./ir.js";
export { type Leaf, type Tree, type TreeDef, isLeaf, flatten, leavesAlong, unflatten, treeMap, treeDefString, assertSameStructure } from "./tree.js";
export { normalizeAxes, reducedShape, resolveShape } from "./axes.js";
export { jit, type Jitted, type JitOptions, ValueReadError } from "./jit/jit.js";
export { type Signature, signatureOf, SignatureCache } from "./jit/signature.js";
export { simplify, type SimplifiedGraph } from "./jit/simplify.js";
export { generate, type CompiledProgram, type GenerateOptions, type OutputArray } from "./jit/codegen.js";
export { type GraphSplit, splitGraph } from "./jit/split.js";
export { type Dense } from "./jit/loops.js";
export { ProgramProducts, type ProductSpec, ResidentMatrix, wasmProductsAvailable } from "./jit/wasm-products.js";
export { type ElementwiseRule, elementwiseRules } from "./jit/elementwise-rules.js";
export { type WasmElementwiseRule, wasmElementwiseRules } from "./jit/wasm-fusion.js";
export { type StructureRule, structureRules } from "./jit/structure-rules.js";

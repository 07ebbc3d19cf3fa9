/**
 * `@ostl/models`: the built-in recurrent cells (rnn, lstm, gru, the SNU family), their seeded
 * initialisers, the per-step losses, and the reference-data reader used by the gradient checks.
 *
 * @module
 */
export { type Initializer, glorotUniform, uniformFanIn, constant, zerosInit, initParams } from "./init.js";
export { dense, gatePreactivation, initGates } from "./affine.js";
export { checkOptions } from "./options.js";
export { type ActivationName, ACTIVATIONS, leakyRelu, activation } from "./activations.js";
export { rnn } from "./rnn.js";
export { lstm } from "./lstm.js";
export { gru, type GruOptions, type GruVariant } from "./gru.js";
export { snu, ssnu, type SnuOptions, type StepSnuOptions } from "./snu.js";
export { cells, cellByName, type CellFactory, type CellName } from "./registry.js";
export { mse, softmaxCrossEntropy, sigmoidCrossEntropy, losses, lossByName, type LossName } from "./losses.js";
export { referenceCell, referenceCellNeeds, REFERENCE_CELLS, type ReferenceCellName, type ReferenceSurrogate } from "./reference/cells.js";
export {
  parseReferenceFile,
  REFERENCE_SCHEMA,
  ReferenceFileError,
  type ReferenceFile,
  type ReferenceCase,
  type ReferenceLoss,
  type FlatParamValues,
} from "./reference/parse.js";
export { buildReferenceCase, type ReferenceSetup } from "./reference/build.js";

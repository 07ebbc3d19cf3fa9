/**
 * `@ostl/models`: the built-in recurrent cells (rnn, lstm, gru, the SNU family), their seeded
 * initialisers, the per-step losses, the reference-data reader used by the gradient checks, and
 * what training needs: optimizers (SGD, Adam, global-norm clipping), masked batches, the JSB
 * Chorales loader, synthetic tasks (delayed recall, adding, the add task) and the training loop.
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
export { cells, cellByName, CELL_SUMMARIES, type CellFactory, type CellName } from "./registry.js";
export { mse, softmaxCrossEntropy, sigmoidCrossEntropy, losses, lossByName, type LossName } from "./losses.js";
export { referenceCell, referenceCellNeeds, REFERENCE_CELLS, type ReferenceCellName, type ReferenceSurrogate } from "./reference/cells.js";
export { REFERENCE_SCHEMA, referenceFileSchema } from "./reference/schema.js";
export {
  parseReferenceFile,
  ReferenceFileError,
  type ReferenceFile,
  type ReferenceCase,
  type ReferenceLoss,
  type FlatParamValues,
} from "./reference/parse.js";
export { buildReferenceCase, type ReferenceSetup } from "./reference/build.js";
export { type ArrayLeaves, arrayLeaves, globalNorm, scaleTree, scaleTreeInPlace } from "./optim/leaves.js";
export { type Optimizer, type OptimizerState, type LeafUpdate, ElementwiseOptimizer, checkHyper } from "./optim/optimizer.js";
export { sgd, type SgdOptions } from "./optim/sgd.js";
export { adam, type AdamOptions } from "./optim/adam.js";
export { WasmAdam, type AdamScalars } from "./optim/adam-kernel.js";
export { clipGlobalNorm, type Clipped } from "./optim/clip.js";
export { optimizerByName, OPTIMIZERS, type OptimizerName } from "./optim/registry.js";
export { type SequenceExample, type Dataset, scoredSteps, checkDataset } from "./data/dataset.js";
export { MASKED, maskedTarget, maskedLoss } from "./data/mask.js";
export { type Batch, batchExamples } from "./data/batch.js";
export { LOWEST_KEY, PIANO_KEYS, isPianoKey, pianoRollFrame, pianoRollPitches } from "./data/piano-roll.js";
export { DataFileError } from "./data/error.js";
export { JSB_CHORALES_SOURCE, type JsbChorales, jsbChoralesSchema, parseJsbChorales, nextStepExample, jsbDataset } from "./data/jsb.js";
export { type SplitSizes, generateSplits, integerOption } from "./tasks/split-sizes.js";
export { copyTask, type CopyOptions } from "./tasks/copy.js";
export { adding, type AddingOptions } from "./tasks/adding.js";
export { addTask, type AddTaskOptions } from "./tasks/add.js";
export { withMaskedLoss, datasetNetwork } from "./training/network.js";
export { evaluate, scoreExamples, type SplitScore } from "./training/evaluate.js";
export { fieldProblems } from "./json-input.js";
export { type Checkpoint, type CheckpointJson, checkpointJsonSchema, checkpointFromJson, checkpointToJson } from "./training/checkpoint.js";
export { TrainingDivergedError, type TrainingPosition, nonFiniteLeaves, type NonFiniteLeaf } from "./training/divergence.js";
export {
  train,
  makeAlgorithm,
  type UpdateEvery,
  type TrainOptions,
  type EpochMetrics,
  type TrainProgress,
  type TrainHooks,
  type TrainResult,
} from "./training/train.js";

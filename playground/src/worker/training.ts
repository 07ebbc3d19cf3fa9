/**
 * Train: the cell learns a small task online, with the training loop of `@ostl/models` and the
 * algorithm chosen on the page. The losses before training (epoch 0) and after every epoch are
 * reported as they come, with the hidden layer's outputs over the first validation sequences.
 */
import { PRNG } from "@ostl/core";
import { ALGORITHM_NAMES, type Cell, type Network, type NetworkParams } from "@ostl/ostl";
import { adam, addTask, copyTask, type Dataset, datasetNetwork, evaluate, train } from "@ostl/models";
import type { HiddenActivity, TaskName, TrainProgress, TrainSummary } from "../protocol.js";
import { polyphonyTask } from "./polyphony-task.js";

/** Hidden units of the trained layer. */
const HIDDEN = 24;

/** The data set of each task, small enough for an epoch to take a fraction of a second. */
const TASKS: Readonly<Record<TaskName, () => Dataset>> = {
  copy: () => copyTask({ symbols: 3, length: 2, delay: 2, examples: [64, 16, 16], seed: 0 }),
  add: () => addTask({ length: 16, lags: [2, 5], examples: [64, 16, 16], seed: 0 }),
  polyphony: () => polyphonyTask([48, 12, 12], 0),
};

/** Validation sequences the hidden layer's activity is shown over, one after the other. */
const ACTIVITY_SEQUENCES = 4;

/** The hidden layer's outputs over the first validation sequences, each from the initial state. */
function hiddenActivity(network: Network, params: NetworkParams, data: Dataset): HiddenActivity {
  const values = data.valid.slice(0, ACTIVITY_SEQUENCES).flatMap((example) => {
    let state = network.initialState();
    return example.inputs.map((x) => {
      const next = network.step(params, state, x);
      state = next.state;
      return next.layerOutputs[0]!.toFlat();
    });
  });
  return { values, spiking: values.every((row) => row.every((v) => v === 0 || v === 1)) };
}

/**
 * Trains `cell` on `task` for `epochs` epochs with `algorithm`, reporting each epoch to `report`.
 *
 * @throws for an unknown task or algorithm, naming the ones there are; whatever training throws (a diverged loss).
 */
export async function trainCell(cell: Cell, task: TaskName, algorithm: string, epochs: number, report: (progress: TrainProgress) => void): Promise<TrainSummary> {
  const make = TASKS[task];
  if (make === undefined) throw new Error(`unknown task '${task}': the tasks are ${Object.keys(TASKS).join(", ")}`);
  const name = ALGORITHM_NAMES.find((a) => a === algorithm);
  if (name === undefined) throw new Error(`unknown algorithm '${algorithm}': the algorithms are ${ALGORITHM_NAMES.join(", ")}`);
  const data = make();
  const network = datasetNetwork(data, cell, HIDDEN);
  const params = network.init(new PRNG(1));
  report({ point: { epoch: 0, train: evaluate(network, params, data.train), valid: evaluate(network, params, data.valid), seconds: 0 }, activity: hiddenActivity(network, params, data) });
  await train(
    network,
    params,
    data,
    { algorithm: name, optimizer: adam({ learningRate: 0.01 }), epochs, batchSize: 4, shuffle: new PRNG(2) },
    { onEpoch: (m, reached) => report({ point: { epoch: m.epoch, train: m.train, valid: m.valid, seconds: m.seconds }, activity: hiddenActivity(network, reached, data) }) },
  );
  return { metric: data.metric };
}

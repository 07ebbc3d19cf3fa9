import { fromTyped, type NDArray, PRNG, tensor } from "@ostl/core";
import { Bptt, type NetworkParams } from "@ostl/ostl";
import { describe, expect, it } from "vitest";
import { add, matmul, mul, sqrt, tanh, transpose } from "@ostl/autodiff";
import { defineCell } from "@ostl/ostl";
import { zeros } from "@ostl/core";
import { adam, batchExamples, copyTask, type Dataset, datasetNetwork, type EpochMetrics, jsbDataset, type Optimizer, rnn, sgd, ssnu, train, TrainingDivergedError, type TrainProgress, scoreExamples, withMaskedLoss } from "@ostl/models";

const argmax = (v: number[]) => v.indexOf(Math.max(...v));

describe("train", () => {
  // about 7 s on an idle 2-core machine; the timeout leaves room for a loaded one
  it("learns delayed recall to near-zero error with OSTL in a short seeded run", { timeout: 60_000 }, async () => {
    const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [192, 32, 32], seed: 0 });
    const net = datasetNetwork(data, rnn(), 16);
    const result = await train(net, net.init(new PRNG(1)), data, { algorithm: "ostl", optimizer: adam({ learningRate: 0.02 }), epochs: 2, shuffle: new PRNG(2) });
    const last = result.history[result.history.length - 1]!;
    // chance is log 3 = 1.1 per recalled symbol
    expect(last.test).toBeLessThan(0.02);
    let wrong = 0;
    for (const ex of data.test) {
      let state = net.initialState();
      ex.inputs.forEach((x, t) => {
        const out = net.step(result.params, state, x);
        state = out.state;
        const target = ex.targets[t];
        if (target) wrong += argmax((out.logits as NDArray).toFlat()) === argmax(target.toFlat()) ? 0 : 1;
      });
    }
    expect(wrong).toBe(0);
  });

  it("OSTL and BPTT follow the same trajectory for one sSNU layer without H (exact case)", async () => {
    const rng = new PRNG(9);
    const seq = () => Array.from({ length: 3 + rng.integers(5) }, () => Array.from({ length: 1 + rng.integers(4) }, () => 40 + rng.integers(40)));
    const data = jsbDataset({ train: Array.from({ length: 12 }, seq), valid: [seq(), seq()], test: [seq(), seq(), seq()] });
    const histories = await Promise.all(
      (["bptt", "ostl"] as const).map(async (algorithm) => {
        const net = datasetNetwork(data, ssnu(), 10);
        const r = await train(net, net.init(new PRNG(5)), data, { algorithm, optimizer: adam({ learningRate: 0.01 }), epochs: 3, shuffle: new PRNG(6) });
        return r.history;
      }),
    );
    const [bptt, ostl] = histories as [EpochMetrics[], EpochMetrics[]];
    expect(bptt[2]!.test).toBeLessThan(bptt[0]!.test);
    bptt.forEach((m, i) => {
      for (const k of ["train", "valid", "test"] as const) expect(Math.abs(m[k] - ostl[i]![k])).toBeLessThan(1e-10);
    });
  });

  it("applies one update every k steps plus one for a sequence's rest, averaging over the scored steps", async () => {
    const data = {
      name: "tiny",
      inputSize: 1,
      outputSize: 1,
      loss: "mse" as const,
      metric: "",
      train: [{ inputs: [1, 2, 3, 4, 5].map((v) => tensor([v])), targets: [null, tensor([1]), tensor([0]), null, tensor([1])] }],
      valid: [{ inputs: [tensor([1])], targets: [tensor([0])] }],
      test: [{ inputs: [tensor([1])], targets: [tensor([0])] }],
    };
    const seen: number[][] = [];
    const inner = sgd({ learningRate: 0.1 });
    // records the readout bias gradient of each update
    const spy: Optimizer = {
      name: "spy",
      learningRate: 0.1,
      get steps() {
        return inner.steps;
      },
      step: <T extends NetworkParams>(p: T, g: NetworkParams) => (seen.push((g.readout!.b as NDArray).toFlat()), inner.step(p, g)),
      // the gradients as the update takes them: times the scale it is given
      update: (p: NetworkParams, g: NetworkParams, scale = 1) => (seen.push((g.readout!.b as NDArray).toFlat().map((v) => v * scale)), inner.update(p, g, scale)),
      reset: () => inner.reset(),
    } as Optimizer;
    const net = datasetNetwork(data, rnn(), 3);
    await train(net, net.init(new PRNG(0)), data, { algorithm: "bptt", optimizer: spy, epochs: 1, updateEvery: 2 });
    // chunks [0,2) [2,4) [4,5): each has exactly one scored step
    expect(seen.length).toBe(3);
    seen.length = 0;
    inner.reset();
    await train(net, net.init(new PRNG(0)), data, { algorithm: "bptt", optimizer: spy, epochs: 1, updateEvery: 1 });
    // only the three steps with a target update
    expect(seen.length).toBe(3);
    seen.length = 0;
    await train(net, net.init(new PRNG(0)), data, { algorithm: "ostl", optimizer: spy, epochs: 1 });
    expect(seen.length).toBe(1);
    // one update per sequence: the summed gradient over the 3 scored steps, divided by 3
    const bptt = new Bptt(withMaskedLoss(net));
    const batch = batchExamples(data.train);
    bptt.begin(net.init(new PRNG(0)));
    bptt.feed(batch.inputs, batch.targets);
    expect(seen[0]![0]!).toBeCloseTo((bptt.gradients().readout!.b as NDArray).toFlat()[0]! / 3, 14);
  });

  it("with updateEvery, the rest of a sequence runs with the params of each update, as a loop of begin, feed, setParams does", async () => {
    // targets at most steps, so that updates fall inside the sequences
    const rng = new PRNG(4);
    const example = () => ({ inputs: Array.from({ length: 7 }, () => rng.normal([2])), targets: Array.from({ length: 7 }, (_, t) => (t === 2 ? null : rng.normal([1]))) });
    const data = { name: "tiny", inputSize: 2, outputSize: 1, loss: "mse" as const, metric: "", train: [example(), example()], valid: [example()], test: [example()] };
    const net = datasetNetwork(data, rnn(), 5);
    const start = net.init(new PRNG(3));
    const trained = await train(net, start, data, { algorithm: "bptt", optimizer: sgd({ learningRate: 0.5 }), epochs: 1, updateEvery: 2 });
    // the same updates by hand: chunks of two steps, each update's params used from the next chunk on
    const masked = withMaskedLoss(net);
    const algo = new Bptt(masked);
    const optimizer = sgd({ learningRate: 0.5 });
    let params = start;
    for (const example of data.train) {
      const batch = batchExamples([example]);
      algo.begin(params);
      for (let a = 0; a < batch.inputs.length; a += 2) {
        const b = Math.min(batch.inputs.length, a + 2);
        algo.feed(batch.inputs.slice(a, b), batch.targets.slice(a, b));
        const summed = algo.takeGradients();
        const scored = batch.counts.slice(a, b).reduce((x, y) => x + y, 0);
        if (scored === 0) continue;
        const grads = Object.fromEntries(Object.entries(summed).map(([k, r]) => [k, Object.fromEntries(Object.entries(r).map(([f, v]) => [f, mul(v, 1 / scored)]))]));
        params = optimizer.step(params, grads as NetworkParams);
        if (b < batch.inputs.length) algo.setParams(params);
      }
    }
    for (const [k, record] of Object.entries(params)) for (const [f, v] of Object.entries(record)) expect((trained.params[k]![f] as NDArray).toFlat()).toEqual((v as NDArray).toFlat());
  });

  it("reports progress, stops when asked and keeps the finished epochs", async () => {
    const data = copyTask({ symbols: 3, length: 1, delay: 1, examples: [6, 2, 2], seed: 0 });
    const net = datasetNetwork(data, ssnu(), 4);
    const progress: TrainProgress[] = [];
    let epochs = 0;
    const result = await train(net, net.init(new PRNG(0)), data, { algorithm: "ostl", optimizer: adam(), epochs: 5, batchSize: 4 }, {
      onProgress: (p) => progress.push(p),
      onEpoch: () => void epochs++,
      shouldStop: () => epochs === 2,
    });
    expect(result.stopped).toBe(true);
    expect(result.history.map((m) => m.epoch)).toEqual([1, 2]);
    expect(progress.slice(0, 2).map((p) => [p.epoch, p.sequence, p.sequences])).toEqual([[1, 4, 6], [1, 6, 6]]);
  });

  it("stops at a non-finite loss or gradient with a TrainingDivergedError naming the epoch, the sequence and the value", async () => {
    // sqrt(b) at b = 0: a finite loss, an infinite gradient of b (d sqrt(b)/db = 1/(2 sqrt(b)))
    const sqrtBias = defineCell({
      name: "sqrt-bias",
      init: (key, { inputSize, hiddenSize }) => ({ params: { W: key.normal([hiddenSize, inputSize], 0, 0.5), b: zeros([hiddenSize]) }, state: { h: zeros([hiddenSize]) } }),
      step: (p, s, x) => {
        const h = add(mul(0.5, s.h!), tanh(add(matmul(x, transpose(p.W!)), sqrt(p.b!))));
        return { state: { h }, y: h };
      },
    });
    const data = copyTask({ symbols: 3, length: 1, delay: 1, examples: [4, 2, 2], seed: 0 });
    const gradient = datasetNetwork(data, sqrtBias, 3);
    const epochs: number[] = [];
    const failure = await train(gradient, gradient.init(new PRNG(0)), data, { algorithm: "bptt", optimizer: sgd({ learningRate: 0.1 }), epochs: 2 }, { onEpoch: (m) => void epochs.push(m.epoch) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TrainingDivergedError);
    expect((failure as TrainingDivergedError).message).toMatch(/^train: diverged at epoch 1, sequence 1\/4: the gradient of 'layer0\.b' is (NaN|-?Infinity) \(entry \d\)$/);
    expect(epochs).toEqual([]);
    // a step size that makes the weights overflow: the next sequence's loss is not finite
    const recall = copyTask({ symbols: 3, length: 1, delay: 1, examples: [12, 4, 4], seed: 0 });
    const net = datasetNetwork(recall, rnn(), 6);
    const loss = await train(net, net.init(new PRNG(1)), recall, { algorithm: "ostl", optimizer: sgd({ learningRate: 1e308 }), epochs: 3 }).catch((e: unknown) => e);
    expect(loss).toBeInstanceOf(TrainingDivergedError);
    expect((loss as TrainingDivergedError).position).toMatchObject({ epoch: 1, sequences: 12 });
    expect((loss as TrainingDivergedError).what).toMatch(/^the loss is (NaN|-?Infinity) \(steps 1-\d\)$/);
  });

  it("rejects bad options", async () => {
    const data = copyTask({ symbols: 3, length: 1, delay: 1, examples: [2, 1, 1], seed: 0 });
    const net = datasetNetwork(data, ssnu(), 4);
    const p = net.init(new PRNG(0));
    await expect(train(net, p, data, { algorithm: "ostl", optimizer: adam(), epochs: 0 })).rejects.toThrow("train: epochs must be a positive integer, got 0");
    await expect(train(net, p, data, { algorithm: "ostl", optimizer: adam(), epochs: 1, updateEvery: 0 })).rejects.toThrow('updateEvery must be a positive integer or "sequence", got 0');
    await expect(train(net, p, data, { algorithm: "sgd" as "ostl", optimizer: adam(), epochs: 1 })).rejects.toThrow("unknown algorithm 'sgd'");
    await expect(train(net, p, data, { algorithm: "ostl", optimizer: adam(), epochs: 2, firstEpoch: 4 })).rejects.toThrow("train: firstEpoch must be an integer from 1 to epochs + 1 = 3, got 4");
    // past the last epoch: nothing to run
    expect((await train(net, p, data, { algorithm: "ostl", optimizer: adam(), epochs: 2, firstEpoch: 3 })).history).toEqual([]);
  });

  it("an optimizer takes up another's state only when it fits", () => {
    const first = adam({ learningRate: 0.1 });
    first.step({ w: tensor([1, 2]) }, { w: tensor([1, 1]) });
    expect(() => sgd({ learningRate: 0.1 }).loadState(first.state())).toThrow("sgd.loadState: the state is of optimizer 'adam', not 'sgd'");
    const grown = { ...first.state(), slots: [[new Float64Array(3), new Float64Array(3)]] };
    expect(() => adam().loadState(grown)).toThrow("adam.loadState: the state does not fit: slot 0 of param 0 has 3 entries, its shape [2] has 2");
    // a copy: stepping the first optimizer again leaves a saved state as it was
    const saved = first.state();
    first.step({ w: tensor([1, 2]) }, { w: tensor([1, 1]) });
    expect(saved.steps).toBe(1);
    expect(first.state().slots[0]![0]).not.toEqual(saved.slots[0]![0]);
  });
});

describe("frame-level accuracy (Boulanger-Lewandowski et al. 2012)", () => {
  it("is TP / (TP + FP + FN) summed over the scored frames, a note predicted where its logit is above 0, padded rows left out", () => {
    const frame = (...notes: number[]) => fromTyped(Float64Array.from(notes), [3]);
    const data: Dataset = {
      name: "toy", inputSize: 3, outputSize: 3, loss: "sigmoidCrossEntropy", metric: "", train: [], valid: [],
      test: [
        { inputs: [frame(0, 0, 0), frame(0, 0, 0)], targets: [frame(1, 0, 0), frame(0, 1, 1)] },
        { inputs: [frame(0, 0, 0)], targets: [frame(0, 0, 0)] },
      ],
    };
    const net = datasetNetwork(data, rnn(), 2);
    // the readout's weights zero: every frame's logits are its bias, notes 0 and 2 predicted
    const params = net.init(new PRNG(0));
    const readout = { W: zeros([3, 2]), b: fromTyped(Float64Array.from([1, -1, 1]), [3]) };
    const withReadout = { ...params, readout };
    // frame 1: TP 1 (note 0), FP 1 (note 2); frame 2: TP 1 (note 2), FP 1 (note 0), FN 1 (note 1); frame 3: FP 2
    const expected = 2 / (2 + 4 + 1);
    expect(scoreExamples(net, withReadout, data.test, 1, true).accuracy).toBeCloseTo(expected, 15);
    expect(scoreExamples(net, withReadout, data.test, 2, true).accuracy).toBeCloseTo(expected, 15);
    expect(scoreExamples(net, withReadout, data.test, 1).accuracy).toBeUndefined();
  });
});

import { broadcastTo, reshape, slice, type Tensor } from "@ostl/autodiff";
import { PRNG } from "@ostl/core";
import type { Cell, TensorRecord } from "@ostl/ostl";
import { describe, expect, it } from "vitest";
import { gru, lstm, rnn, snu, ssnu } from "@ostl/models";
import { expectValues, flat } from "./helpers.js";

const B = 3;
const m = 4;
const n = 5;
const T = 6;

const variants: [string, Cell][] = [
  ["rnn", rnn()],
  ["lstm", lstm()],
  ["gru (reset-after)", gru()],
  ["gru (reset-before)", gru({ variant: "reset-before" })],
  ["snu", snu()],
  ["snu (recurrent, relu, trainable decay)", snu({ recurrent: true, activation: "relu", trainableDecay: true })],
  ["ssnu", ssnu()],
  ["ssnu (recurrent, leakyRelu)", ssnu({ recurrent: true, activation: "leakyRelu", negativeSlope: 0.2 })],
];

const rowOf = (x: Tensor, i: number): Tensor => reshape(slice(x, [i, 0], [i + 1, x.shape[1]!]), [x.shape[1]!]);

describe.each(variants)("%s on a batch [B, m]", (_name, cell) => {
  it("gives, row by row, the per-example outputs and states", () => {
    const { params, state: s0 } = cell.init(new PRNG(7), { inputSize: m, hiddenSize: n });
    const xs = Array.from({ length: T }, (_, t) => new PRNG(100 + t).normal([B, m], 0, 2));
    let batched: TensorRecord = Object.fromEntries(Object.entries(s0).map(([k, v]) => [k, broadcastTo(v, [B, n])]));
    const single: TensorRecord[] = Array.from({ length: B }, () => s0);
    const outputs: number[] = [];
    for (const x of xs) {
      const out = cell.step(params, batched, x);
      expect(out.y.shape).toEqual([B, n]);
      batched = out.state;
      for (let i = 0; i < B; i++) {
        const one = cell.step(params, single[i]!, rowOf(x, i));
        single[i] = one.state;
        expect(one.y.shape).toEqual([n]);
        expectValues(rowOf(out.y, i), flat(one.y), 1e-12);
        for (const k of Object.keys(one.state)) expectValues(rowOf(out.state[k]!, i), flat(one.state[k]!), 1e-12);
        outputs.push(...flat(one.y));
      }
    }
    // the outputs vary (for the step cells: some units fire and some do not)
    expect(new Set(outputs).size).toBeGreaterThan(1);
  });
});

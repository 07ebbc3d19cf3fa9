/**
 * The soft spiking neural unit: the SNU with a sigmoid in place of the step, so its output is a
 * spiking probability and its gradient needs no surrogate.
 */
import { add, matmul, mul, relu, sigmoid, sub, transpose } from "@ostl/autodiff";
import { full, zeros } from "@ostl/core";
import { defineCell } from "@ostl/ostl";

export const cell = defineCell({
  name: "ssnu",
  init: (key, { inputSize: m, hiddenSize: n }) => ({
    params: { W: key.normal([n, m], 0, 1 / Math.sqrt(m)), b: full([n], -1) },
    state: { s: zeros([n]), y: zeros([n]) },
  }),
  step: (p, st, x) => {
    const s = relu(add(matmul(x, transpose(p.W!)), mul(0.8, mul(st.s!, sub(1, st.y!)))));
    const y = sigmoid(add(s, p.b!));
    return { state: { s, y }, y };
  },
});

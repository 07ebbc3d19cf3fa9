/**
 * A spiking neural unit (Woźniak et al. 2020): the membrane potential s leaks by 0.8, integrates
 * the input and is reset after a spike by the factor (1 - y); the spike y is a step function,
 * differentiated through the tanh-derivative surrogate.
 */
import { add, heaviside, matmul, mul, relu, sub, transpose } from "@ostl/autodiff";
import { full, zeros } from "@ostl/core";
import { defineCell } from "@ostl/ostl";

export const cell = defineCell({
  name: "snu",
  init: (key, { inputSize: m, hiddenSize: n }) => ({
    params: { W: key.normal([n, m], 0, 1 / Math.sqrt(m)), b: full([n], -1) },
    state: { s: zeros([n]), y: zeros([n]) },
  }),
  step: (p, st, x) => {
    const s = relu(add(matmul(x, transpose(p.W!)), mul(0.8, mul(st.s!, sub(1, st.y!)))));
    const y = heaviside(add(s, p.b!));
    return { state: { s, y }, y };
  },
});

/**
 * An adaptive leaky integrate-and-fire neuron (as in Bellec et al. 2018): the membrane potential v
 * leaks and resets after a spike; every spike raises the threshold by beta·a, and the adaptation
 * a decays back. The spike is differentiated through the fast-sigmoid surrogate.
 */
import { add, fastSigmoid, heaviside, matmul, mul, sub, transpose } from "@ostl/autodiff";
import { full, zeros } from "@ostl/core";
import { defineCell } from "@ostl/ostl";

const ALPHA = 0.9; // membrane decay
const RHO = 0.95; // adaptation decay
const BETA = 0.2; // threshold increase per unit of adaptation

export const cell = defineCell({
  name: "alif",
  init: (key, { inputSize: m, hiddenSize: n }) => ({
    params: { W: key.normal([n, m], 0, 1 / Math.sqrt(m)), theta: full([n], 0.5) },
    state: { v: zeros([n]), a: zeros([n]), z: zeros([n]) },
  }),
  step: (p, st, x) => {
    const v = add(mul(ALPHA, mul(st.v!, sub(1, st.z!))), matmul(x, transpose(p.W!)));
    const a = add(mul(RHO, st.a!), st.z!);
    const z = heaviside(sub(v, add(p.theta!, mul(BETA, a))), fastSigmoid(10));
    return { state: { v, a, z }, y: z };
  },
});

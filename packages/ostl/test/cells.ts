import * as core from "@ostl/core";
import { type Tensor, add, concreteOf, greater, heaviside, matmul, mul, relu, sigmoid, sigmoidDerivative, softplus, sub, sum, tanh, transpose, where } from "@ostl/autodiff";
import { type Cell, type Loss, defineCell } from "@ostl/ostl";

/** Test cells written here so the algorithm tests do not depend on the model zoo. */

export const mse: Loss = (y, t) => {
  const d = sub(y, t);
  return mul(0.5, sum(mul(d, d)));
};

const linear = (x: Tensor, W: Tensor) => matmul(x, transpose(W));

/** Elman RNN: dense temporal Jacobian through U. */
export const elman: Cell = defineCell({
  name: "elman",
  init: (key, { inputSize: m, hiddenSize: n }) => ({
    params: { W: key.normal([n, m], 0, 0.6), U: key.normal([n, n], 0, 0.5), b: key.normal([n], 0, 0.3) },
    state: { h: core.zeros([n]) },
  }),
  step: (p, s, x) => {
    const h = tanh(add(add(linear(x, p.W!), linear(s.h!, p.U!)), p.b!));
    return { state: { h }, y: h };
  },
});

/** The Elman cell, reading h's values on the way (as a cell that branches on them would): jit refuses its step. */
export const elmanReadingValues: Cell = defineCell({
  ...elman,
  name: "elman-reading-values",
  step: (p, s, x) => {
    void concreteOf(s.h!);
    return elman.step(p, s, x);
  },
});

/** Parameters W, b and state fields s, y of the spiking test cells. */
const spikingInit: Cell["init"] = (key, { inputSize: m, hiddenSize: n }) => ({
  params: { W: key.normal([n, m], 0, 0.8), b: core.full([n], -0.2) },
  state: { s: core.zeros([n]), y: core.zeros([n]) },
});

/** A spiking unit with two state fields and an elementwise recurrence: diagonal temporal Jacobian. */
export const spiking: Cell = defineCell({
  name: "spiking",
  init: spikingInit,
  step: (p, st, x) => {
    const s = relu(add(linear(x, p.W!), mul(0.8, mul(st.s!, sub(1, st.y!)))));
    const y = heaviside(add(s, p.b!), sigmoidDerivative(4));
    return { state: { s, y }, y };
  },
});

/** A spiking unit whose reset is a `where`: diagonal. */
export const resetting: Cell = defineCell({
  name: "resetting",
  init: spikingInit,
  step: (p, st, x) => {
    const s = tanh(add(linear(x, p.W!), where(greater(st.y!, 0.5), 0, mul(0.8, st.s!))));
    const y = heaviside(add(s, p.b!), sigmoidDerivative(4));
    return { state: { s, y }, y };
  },
});

/** A spiking unit with a trainable scalar decay (a dense-layout parameter): diagonal, derived by reverse passes. */
export const decaying: Cell = defineCell({
  name: "decaying",
  init: (key, config) => {
    const { params, state } = spikingInit(key, config);
    return { params: { ...params, decay: core.tensor(0.8) }, state };
  },
  step: (p, st, x) => {
    const s = relu(add(linear(x, p.W!), mul(p.decay!, mul(st.s!, sub(1, st.y!)))));
    const y = heaviside(add(s, p.b!), sigmoidDerivative(4));
    return { state: { s, y }, y };
  },
});

/** Elementwise recurrence with a trainable scalar (dense-layout parameter inside a diagonal layer). */
export const leaky: Cell = defineCell({
  name: "leaky",
  init: (key, { inputSize: m, hiddenSize: n }) => ({
    params: { W: key.normal([n, m], 0, 0.6), decay: core.tensor(0.7), b: key.normal([n], 0, 0.2) },
    state: { h: core.zeros([n]) },
  }),
  step: (p, s, x) => {
    const h = softplus(add(add(linear(x, p.W!), mul(p.decay!, s.h!)), p.b!));
    return { state: { h }, y: sigmoid(h) };
  },
});

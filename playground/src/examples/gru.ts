/**
 * A gated recurrent unit (Cho et al. 2014): an update gate z and a reset gate r over the hidden
 * state h. Dense in time, like the LSTM.
 */
import { add, matmul, mul, sigmoid, sub, tanh, transpose, type Tensor } from "@ostl/autodiff";
import { zeros } from "@ostl/core";
import { type TensorRecord, defineCell } from "@ostl/ostl";

const GATES = ["z", "r", "h"] as const;

/** W_g x + U_g h + b_g, for a single input or a batch. */
const gate = (p: TensorRecord, g: string, x: Tensor, h: Tensor) =>
  add(add(matmul(x, transpose(p[`W_${g}`]!)), matmul(h, transpose(p[`U_${g}`]!))), p[`b_${g}`]!);

export const cell = defineCell({
  name: "gru",
  init: (key, { inputSize: m, hiddenSize: n }) => ({
    params: Object.fromEntries(
      GATES.flatMap((g) => [
        [`W_${g}`, key.uniform([n, m], -1 / Math.sqrt(n), 1 / Math.sqrt(n))],
        [`U_${g}`, key.uniform([n, n], -1 / Math.sqrt(n), 1 / Math.sqrt(n))],
        [`b_${g}`, key.uniform([n], -1 / Math.sqrt(n), 1 / Math.sqrt(n))],
      ]),
    ),
    state: { h: zeros([n]) },
  }),
  step: (p, st, x) => {
    const z = sigmoid(gate(p, "z", x, st.h!));
    const r = sigmoid(gate(p, "r", x, st.h!));
    const candidate = tanh(gate(p, "h", x, mul(r, st.h!)));
    const h = add(mul(sub(1, z), candidate), mul(z, st.h!));
    return { state: { h }, y: h };
  },
});

/**
 * A long short-term memory cell (Hochreiter & Schmidhuber 1997): input, forget and output gates
 * over a cell state c. Every gate reads the whole previous output h, so the temporal Jacobian is
 * dense and OSTL falls back to dense traces.
 */
import { add, matmul, mul, sigmoid, tanh, transpose, type Tensor } from "@ostl/autodiff";
import { zeros } from "@ostl/core";
import { type TensorRecord, defineCell } from "@ostl/ostl";

const GATES = ["i", "f", "g", "o"] as const;

/** W_g x + U_g h + b_g, for a single input or a batch. */
const gate = (p: TensorRecord, g: string, x: Tensor, h: Tensor) =>
  add(add(matmul(x, transpose(p[`W_${g}`]!)), matmul(h, transpose(p[`U_${g}`]!))), p[`b_${g}`]!);

export const cell = defineCell({
  name: "lstm",
  init: (key, { inputSize: m, hiddenSize: n }) => ({
    params: Object.fromEntries(
      GATES.flatMap((g) => [
        [`W_${g}`, key.uniform([n, m], -1 / Math.sqrt(n), 1 / Math.sqrt(n))],
        [`U_${g}`, key.uniform([n, n], -1 / Math.sqrt(n), 1 / Math.sqrt(n))],
        [`b_${g}`, key.uniform([n], -1 / Math.sqrt(n), 1 / Math.sqrt(n))],
      ]),
    ),
    state: { h: zeros([n]), c: zeros([n]) },
  }),
  step: (p, st, x) => {
    const i = sigmoid(gate(p, "i", x, st.h!));
    const f = sigmoid(gate(p, "f", x, st.h!));
    const g = tanh(gate(p, "g", x, st.h!));
    const o = sigmoid(gate(p, "o", x, st.h!));
    const c = add(mul(f, st.c!), mul(i, g));
    const h = mul(o, tanh(c));
    return { state: { h, c }, y: h };
  },
});

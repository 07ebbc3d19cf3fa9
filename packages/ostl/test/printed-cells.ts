/**
 * Cells whose derived-gradient pages exercise the printer: steps that subtract sums and products,
 * negate gates, scale maxima, divide sums, read a parameter of shape [1], and an adaptive LIF
 * neuron with two state fields and a threshold.
 */
import * as core from "@ostl/core";
import * as ad from "@ostl/autodiff";
import type { Tensor } from "@ostl/autodiff";
import { type Cell, defineCell } from "@ostl/ostl";

type Params = Record<string, Tensor>;

/** A cell `h_t = f(p, h_{t-1}, x)` with W [n, m], b [n] and c [1]. */
function cellOf(name: string, f: (p: Params, h: Tensor, x: Tensor) => Tensor): Cell {
  return defineCell({
    name,
    init: (key, { inputSize: m, hiddenSize: n }) => ({ params: { W: key.normal([n, m]), b: key.normal([n]), c: key.normal([1]) }, state: { h: core.zeros([n]) } }),
    step: (p, s, x) => {
      const h = f(p, s.h!, x);
      return { state: { h }, y: h };
    },
  });
}

const wx = (p: Params, x: Tensor) => ad.matmul(x, ad.transpose(p.W!));

/** `h = 0.5 h - (1 + tanh(W x))`: a subtracted sum. */
export const subtractedSum = cellOf("subtracted-sum", (p, h, x) => ad.sub(ad.mul(0.5, h), ad.add(1, ad.tanh(wx(p, x)))));

/** `h = tanh(W x) - 0.3 h σ(b) - (h + b) σ(W x)`: subtracted products, one with a sum as a factor. */
export const subtractedProducts = cellOf("subtracted-products", (p, h, x) =>
  ad.sub(ad.sub(ad.tanh(wx(p, x)), ad.mul(ad.mul(0.3, h), ad.sigmoid(p.b!))), ad.mul(ad.add(h, p.b!), ad.sigmoid(wx(p, x)))),
);

/** `h = -σ(W x + b) h + tanh(-(W x - b))`: a negated gate, and a negated sum inside a function. */
export const negatedGate = cellOf("negated-gate", (p, h, x) => ad.add(ad.mul(ad.neg(ad.sigmoid(ad.add(wx(p, x), p.b!))), h), ad.tanh(ad.neg(ad.sub(wx(p, x), p.b!)))));

/** `h = 0.5 max(h, W x) - 2 min(h, b)`: maxima scaled by coefficients other than 1. */
export const scaledMaxima = cellOf("scaled-maxima", (p, h, x) => ad.sub(ad.mul(0.5, ad.maximum(h, wx(p, x))), ad.mul(2, ad.minimum(h, p.b!))));

/** `h = 0.5 max(h, b)`: the ties of a maximum are easy to place (a previous state equal to b). */
export const scaledMaximumOfBias = cellOf("scaled-maximum-of-bias", (p, h) => ad.mul(0.5, ad.maximum(h, p.b!)));

/** `h = (h + W x) / (1 + exp(b)) + 1 / (h² + b² + 1)`: sums divided, and divided by. */
export const dividedSums = cellOf("divided-sums", (p, h, x) => ad.add(ad.div(ad.add(h, wx(p, x)), ad.add(1, ad.exp(p.b!))), ad.div(1, ad.add(ad.add(ad.mul(h, h), ad.mul(p.b!, p.b!)), 1))));

/** `g = tanh(c b)`, `h = c h + W x + g`: a parameter of shape [1], broadcast over the units, and a second state field whose Jacobian h's refers to. */
export const sizeOneParameter = defineCell({
  name: "size-one-parameter",
  init: (key, { inputSize: m, hiddenSize: n }) => ({ params: { W: key.normal([n, m]), b: key.normal([n]), c: key.normal([1]) }, state: { g: core.zeros([n]), h: core.zeros([n]) } }),
  step: (p, s, x) => {
    const g = ad.tanh(ad.mul(p.c!, p.b!));
    const h = ad.add(ad.add(ad.mul(p.c!, s.h!), wx(p, x)), g);
    return { state: { g, h }, y: h };
  },
});

/**
 * An adaptive leaky integrate-and-fire neuron: membrane v and adaptation a; it spikes when the
 * previous membrane crosses a threshold raised by the adaptation, the spike is subtracted from
 * the membrane and added to the adaptation, and the output is the spike of the new membrane
 * (a surrogate derivative for each threshold).
 */
export const adaptiveLif = defineCell({
  name: "adaptive-lif",
  init: (key, { inputSize: m, hiddenSize: n }) => ({ params: { W: key.normal([n, m]), beta: key.normal([n]) }, state: { v: core.zeros([n]), a: core.zeros([n]) } }),
  step: (p, s, x) => {
    const threshold = (a: Tensor) => ad.add(1, ad.mul(p.beta!, a));
    const spiked = ad.heaviside(ad.sub(s.v!, threshold(s.a!)), ad.fastSigmoid(4));
    const v = ad.sub(ad.add(ad.mul(0.9, s.v!), wx(p, x)), ad.mul(threshold(s.a!), spiked));
    const a = ad.add(ad.mul(0.95, s.a!), spiked);
    return { state: { v, a }, y: ad.heaviside(ad.sub(v, threshold(a)), ad.triangle(1)) };
  },
});

/** Every cell above, by name. */
export const PRINTED_CELLS: readonly Cell[] = [subtractedSum, subtractedProducts, negatedGate, scaledMaxima, scaledMaximumOfBias, dividedSums, sizeOneParameter, adaptiveLif];

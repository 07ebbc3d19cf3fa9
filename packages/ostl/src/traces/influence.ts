import type { NDArray } from "@ostl/core";
import { type Tensor, type Tree, jvp } from "@ostl/autodiff";

/**
 * A recurrent step as a function of the state it advances and the params whose influence is carried.
 *
 * @example
 * ```ts
 * import type { InfluenceStepFn } from "@ostl/ostl";
 * import { add, mul, type Tensor } from "@ostl/autodiff";
 * import { tensor } from "@ostl/core";
 * // s_t = w s_{t-1} + 1, output y_t = s_t
 * const f: InfluenceStepFn = (s, p) => {
 *   const next = add(mul((p as { w: Tensor }).w, (s as { s: Tensor }).s), 1);
 *   return { state: { s: next }, y: next };
 * };
 * console.log((f({ s: tensor([2]) }, { w: tensor([3]) }).y as Tensor).toNested()); // [7]
 * ```
 */
export type InfluenceStepFn = (state: Tree, params: Tree) => { state: Tree; y: Tensor };

/**
 * What {@link propagateInfluence} returns: the step's outputs and the new influence.
 *
 * @example
 * ```ts
 * import { propagateInfluence, type InfluenceStep, TreeLayout } from "@ostl/ostl";
 * import { add, mul, type Tensor } from "@ostl/autodiff";
 * import { tensor } from "@ostl/core";
 * const params = { w: tensor([3]) };
 * const step: InfluenceStep = propagateInfluence((s, p) => {
 *   const next = mul((p as typeof params).w, (s as { s: Tensor }).s);
 *   return { state: { s: next }, y: next };
 * }, { s: tensor([2]) }, params, { s: tensor([[0]]) }, new TreeLayout(params).identityTangents(), 1);
 * console.log((step.out.y as Tensor).toNested(), step.output.toNested()); // [6] [[2]]
 * ```
 */
export interface InfluenceStep {
  /** The step's next state and output. */
  readonly out: { state: Tree; y: Tensor };
  /** M_t = dS_t/dθ: the next state's tangents, `[P, ...field]` per state field. */
  readonly influence: Tree;
  /** dy_t/dθ, `[P, ...y]`. */
  readonly output: NDArray;
}

/**
 * One step of the influence recurrence M_t = (∂S_t/∂S_{t-1}) M_{t-1} + ∂S_t/∂θ, and the output's
 * dy_t/dθ = (∂y_t/∂S_{t-1}) M_{t-1} + ∂y_t/∂θ, as one batched forward-mode pass of `step` with P
 * directions: the state's tangents are M_{t-1} and the params' are the identity (direction k on
 * entry k, see TreeLayout.identityTangents). RTRL runs it over the whole network's recurrent params;
 * dense OSTL traces over one layer's own params (its traces are this recurrence restricted to the layer).
 *
 * @example
 * ```ts
 * import { propagateInfluence, TreeLayout } from "@ostl/ostl";
 * import { add, mul, type Tensor } from "@ostl/autodiff";
 * import { tensor } from "@ostl/core";
 * // s_t = w s_{t-1} + x: ∂s_t/∂w = s_{t-1} + w ∂s_{t-1}/∂w
 * const params = { w: tensor([0.5]) };
 * const identity = new TreeLayout(params).identityTangents();
 * const f = (x: number) => (s: unknown, p: unknown) => {
 *   const next = add(mul((p as typeof params).w, (s as { s: Tensor }).s), x);
 *   return { state: { s: next }, y: next };
 * };
 * const first = propagateInfluence(f(1), { s: tensor([2]) }, params, { s: tensor([[0]]) }, identity, 1);
 * const second = propagateInfluence(f(1), first.out.state, params, first.influence, identity, 1);
 * console.log(first.output.toNested(), second.output.toNested()); // [[2]] [[3]]
 * ```
 */
export function propagateInfluence(step: InfluenceStepFn, state: Tree, params: Tree, influence: Tree, identity: Tree, directions: number): InfluenceStep {
  const [out, tangents] = jvp(step as (...a: Tree[]) => Tree, [state, params], [influence, identity], { batch: directions }) as unknown as [
    { state: Tree; y: Tensor },
    { state: Tree; y: NDArray },
  ];
  return { out, influence: tangents.state, output: tangents.y };
}

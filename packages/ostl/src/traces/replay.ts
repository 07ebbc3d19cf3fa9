import { type Graph, type IrConst, type IrVar, type Tensor, add, bind } from "@ostl/autodiff";

/**
 * Evaluates a traced graph on new inputs (one per graph input, in order) with the differentiable
 * ops, so it can run under any transformation. `overrides` replaces the value of chosen variables
 * (by id): the equations computing them are skipped and everything downstream reads the override.
 * `perturbations` adds a tensor to chosen variables (zeros at run time, so that reverse mode yields
 * the cotangent reaching that variable). `more.replaced` computes chosen variables from their
 * equation's replayed inputs instead of the equation's op, and `more.observed` lists variables
 * (by id) whose values are returned too. Returns the output leaves in the graph's output order,
 * followed by the observed values.
 *
 * @example
 * ```ts
 * import { trace, mul, add, tensor } from "@ostl/autodiff";
 * import { replayGraph } from "@ostl/ostl";
 * const g = trace((a: any, b: any) => add(mul(a, b), b), tensor([1]), tensor([2]));
 * console.log(replayGraph(g, [tensor([3]), tensor([4])])[0]!.toNested()); // [16]
 * // override the product (variable of the first equation): only the addition is computed
 * console.log(replayGraph(g, [tensor([3]), tensor([4])], new Map([[g.equations[0]!.out.id, tensor([100])]]))[0]!.toNested()); // [104]
 * ```
 */
export function replayGraph(
  graph: Graph,
  inputs: readonly Tensor[],
  overrides: ReadonlyMap<number, Tensor> = new Map(),
  perturbations: ReadonlyMap<number, Tensor> = new Map(),
  more: { readonly observed?: readonly number[]; readonly replaced?: ReadonlyMap<number, (inputs: Tensor[]) => Tensor> } = {},
): Tensor[] {
  const values = new Map<number, Tensor>();
  graph.inputs.forEach((v, i) => values.set(v.id, inputs[i]!));
  const read = (a: IrVar | IrConst) => (a.kind === "const" ? a.value : values.get(a.id)!);
  for (const eq of graph.equations) {
    const replace = more.replaced?.get(eq.out.id);
    const value = overrides.get(eq.out.id) ?? (replace === undefined ? bind(eq.op, eq.inputs.map(read), eq.params) : replace(eq.inputs.map(read) as Tensor[]));
    const delta = perturbations.get(eq.out.id);
    values.set(eq.out.id, delta === undefined ? value : add(value, delta));
  }
  return [...graph.outputs.map((o) => read(o) as Tensor), ...(more.observed ?? []).map((id) => values.get(id)!)];
}

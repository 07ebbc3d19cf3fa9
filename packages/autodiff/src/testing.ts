import * as core from "@ostl/core";
import { NDArray, OstlError } from "@ostl/core";
import { jvp } from "./forward.js";
import { concat, reshape } from "./ops/structure.js";
import { vjp } from "./reverse.js";
import type { Tensor } from "./tracer.js";

/**
 * Which rules {@link checkGrads} exercises.
 *
 * @example
 * ```ts
 * import { customVjp, sum, tanh, tensor, type Tensor } from "@ostl/autodiff";
 * import { checkGrads, type CheckMode } from "@ostl/autodiff/testing";
 * // a wrong reverse rule (the cotangent passes unchanged); forward mode differentiates tanh itself
 * const wrongTanh = customVjp((x) => tanh(x), (x) => [tanh(x), []], (_residuals, ct) => [ct]);
 * const f = (x: Tensor) => sum(wrongTanh(x));
 * const forwardOnly: CheckMode[] = ["fwd"];
 * checkGrads(f, [tensor([0.3, -1.2])], { modes: forwardOnly, order: 1 }); // passes
 * try {
 *   checkGrads(f, [tensor([0.3, -1.2])], { modes: ["rev"], order: 1 });
 * } catch (e) {
 *   console.log((e as Error).message.split(",")[1]); // reverse
 * }
 * ```
 */
export type CheckMode = "fwd" | "rev";

/**
 * Options of {@link checkGrads}.
 *
 * @example
 * ```ts
 * import { mul, sum, tensor } from "@ostl/autodiff";
 * import { checkGrads, type CheckGradsOptions } from "@ostl/autodiff/testing";
 * const options: CheckGradsOptions = { order: 1, eps: 1e-3, tol: 1e-2, seed: 7, name: "cube" };
 * checkGrads((x) => sum(mul(mul(x, x), x)), [tensor([0.5, 2], { dtype: "float32" })], options);
 * ```
 */
export interface CheckGradsOptions {
  /** Derivative order to check: 1 checks the rules, 2 also checks the rules of the rules. Default 2. */
  order?: number;
  /** Modes to check. Default both. */
  modes?: readonly CheckMode[];
  /** Finite-difference step. Default 1e-6 for float64, 1e-3 for float32. */
  eps?: number;
  /** Relative tolerance against finite differences. Default 1e-6 (float64), 1e-2 (float32). */
  tol?: number;
  /** Relative tolerance of forward against reverse (both exact). Default 1e-12 (float64), 1e-5 (float32). */
  exactTol?: number;
  /** Seed of the random directions. Default 0. */
  seed?: number;
  /** Name used in error messages. Default the function's name. */
  name?: string;
}

/**
 * A failed check: names the function, mode, order and both values.
 *
 * @example
 * ```ts
 * import { customJvp, sum, tanh, tensor } from "@ostl/autodiff";
 * import { checkGrads, GradCheckError } from "@ostl/autodiff/testing";
 * const wrongTanh = customJvp((x) => tanh(x), (_primals, [t]) => t!); // claims d tanh(x) = dx
 * try {
 *   checkGrads((x) => sum(wrongTanh(x)), [tensor([0.3, -1.2])], { order: 1 });
 * } catch (e) {
 *   console.log(e instanceof GradCheckError, (e as Error).message.split(":").slice(0, 2).join(":")); // true checkGrads: f, forward, order 1
 * }
 * ```
 */
export class GradCheckError extends OstlError {
  override name = "GradCheckError";
}

function dot(a: NDArray, b: NDArray): number {
  const x = a.toFlat();
  const y = b.toFlat();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

function relError(analytic: NDArray, numeric: NDArray): number {
  const diff = Math.sqrt(dot(core.sub(analytic, numeric), core.sub(analytic, numeric)));
  const scale = Math.max(Math.sqrt(dot(numeric, numeric)), Math.sqrt(dot(analytic, analytic)), 1);
  return diff / scale;
}

function asArray(x: Tensor, what: string): NDArray {
  if (!(x instanceof NDArray)) throw new OstlError("checkGrads", `${what} is not a concrete tensor`);
  return x;
}

function preview(x: NDArray): string {
  const flat = x.toFlat();
  const head = flat.slice(0, 6).map((v) => v.toPrecision(10));
  return `[${head.join(", ")}${flat.length > 6 ? ", ..." : ""}]`;
}

/**
 * Checks the derivative rules used by `f` at `args`, in the spirit of JAX's `check_grads`:
 * - forward mode against a central finite difference along a seeded random direction;
 * - reverse mode by the inner-product identity `<u, J v> = <Jᵀ u, v>`, against the finite
 *   difference and against forward mode (exactly);
 * - with `order: 2`, the same again on the functions computing those derivatives.
 *
 * Throws a {@link GradCheckError} naming the function, mode, order and the analytic and numeric values.
 *
 * @example
 * ```ts
 * import { tanh, mul, sum, tensor } from "@ostl/autodiff";
 * import { checkGrads } from "@ostl/autodiff/testing";
 * // first and second derivatives, forward and reverse: returns quietly when all agree
 * checkGrads((x) => sum(mul(tanh(x), x)), [tensor([0.3, -1.2])]);
 * ```
 */
export function checkGrads(f: (...args: Tensor[]) => Tensor, args: readonly NDArray[], options: CheckGradsOptions = {}): void {
  const order = options.order ?? 2;
  const modes = options.modes ?? ["fwd", "rev"];
  const f32 = args.some((a) => a.dtype === "float32");
  const eps = options.eps ?? (f32 ? 1e-3 : 1e-6);
  const tol = options.tol ?? (f32 ? 1e-2 : 1e-6);
  const exactTol = options.exactTol ?? (f32 ? 1e-5 : 1e-12);
  const name = options.name ?? (f.name || "f");
  const rng = new core.PRNG(options.seed ?? 0);
  const fail = (mode: string, message: string) => {
    throw new GradCheckError("checkGrads", `${name}, ${mode}, order ${options.order ?? 2}: ${message}`);
  };

  const y = asArray(f(...args), "the output");
  const v = args.map((a) => rng.normal(a.shape, 0, 1, a.dtype));
  const shifted = (sign: number) => asArray(f(...args.map((a, i) => core.add(a, core.mul(v[i]!, sign * eps)))), "the output");
  const numeric = core.div(core.sub(shifted(1), shifted(-1)), 2 * eps);
  const forward = asArray(jvp(f, [...args], v)[1], "the tangent");

  if (modes.includes("fwd")) {
    const err = relError(forward, numeric);
    if (!(err <= tol)) fail("forward", `jvp ${preview(forward)} vs finite difference ${preview(numeric)} (relative error ${err.toExponential(2)} > ${tol})`);
  }
  if (modes.includes("rev")) {
    const u = rng.normal(y.shape, 0, 1, y.dtype);
    const [, pullback] = vjp(f, ...args);
    const cts = pullback(u).map((c, i) => asArray(c, `cotangent ${i}`));
    const reverse = cts.reduce((s, c, i) => s + dot(c, v[i]!), 0);
    const viaNumeric = dot(u, numeric);
    const viaForward = dot(u, forward);
    const scale = Math.max(Math.abs(viaNumeric), Math.abs(reverse), 1);
    if (!(Math.abs(reverse - viaNumeric) <= tol * scale)) {
      fail("reverse", `<vjp(u), v> = ${reverse} vs <u, finite difference> = ${viaNumeric} (relative error ${(Math.abs(reverse - viaNumeric) / scale).toExponential(2)} > ${tol})`);
    }
    if (!(Math.abs(reverse - viaForward) <= exactTol * scale)) {
      fail("forward vs reverse", `<vjp(u), v> = ${reverse} vs <u, jvp(v)> = ${viaForward} (relative difference ${(Math.abs(reverse - viaForward) / scale).toExponential(2)} > ${exactTol})`);
    }
  }
  if (order <= 1) return;
  const next = { ...options, order: order - 1, seed: (options.seed ?? 0) + 1 };
  if (modes.includes("fwd")) {
    const tangentFn = (...xs: Tensor[]) => jvp(f, xs, v)[1];
    checkGrads(tangentFn, args, { ...next, name: `jvp(${name})` });
  }
  if (modes.includes("rev")) {
    const u = rng.normal(y.shape, 0, 1, y.dtype);
    const cotangentFn = (...xs: Tensor[]) => {
      const cts = vjp(f, ...xs)[1](u);
      return concat(cts.map((c) => reshape(c, [-1])));
    };
    checkGrads(cotangentFn, args, { ...next, name: `vjp(${name})` });
  }
}

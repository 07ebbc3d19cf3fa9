import { concreteOf, type Tensor } from "@ostl/autodiff";
import { type NestedArray } from "@ostl/core";
import { expect } from "vitest";

/** The concrete values of a tensor as a flat list. */
export const flat = (t: Tensor): number[] => concreteOf(t)!.toFlat();

/** Asserts that `t` holds `expected` (nested, any shape) entry by entry (row-major) to `tol` absolute. */
export function expectValues(t: Tensor, expected: NestedArray, tol = 1e-14): void {
  const want = [expected].flat(Infinity as 1) as number[];
  const got = flat(t);
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i]!), `entry ${i}: got ${v}, expected ${want[i]}`).toBeLessThanOrEqual(tol));
}

/** ||a - b|| / max(||b||, 1e-300) over flat lists of equal length. */
export function relativeError(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  a.forEach((v, i) => {
    num += (v - b[i]!) ** 2;
    den += b[i]! ** 2;
  });
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

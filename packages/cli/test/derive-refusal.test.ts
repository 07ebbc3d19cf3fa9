/**
 * `ostl derive` writes no page whose printed equations disagree with the engine. The printer is
 * replaced by one that flips the sign of the last term of every printed sum (in both of its
 * forms, as a wrong structural decision would): the command exits 1 naming the cell and the
 * equation, and writes nothing.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "@ostl/cli";
import { afterEach, expect, it, vi } from "vitest";
import { captureOutput } from "./capture.js";

vi.mock("../../ostl/src/derive/print.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../ostl/src/derive/print.ts")>();
  class SignFlippingPrinter extends original.ExpressionPrinter {
    override terms(...args: Parameters<InstanceType<typeof original.ExpressionPrinter>["terms"]>) {
      const terms = super.terms(...args);
      return terms.length < 2 ? terms : [...terms.slice(0, -1), { ...terms.at(-1)!, negative: !terms.at(-1)!.negative }];
    }
  }
  return { ...original, ExpressionPrinter: SignFlippingPrinter };
});

afterEach(() => vi.restoreAllMocks());

it("a page whose printed equation disagrees with the engine is refused, naming the cell and the equation", async () => {
  const io = captureOutput();
  const dir = mkdtempSync(join(tmpdir(), "ostl-derive-refused-"));
  const module = join(import.meta.dirname, "fixtures", "leaky-cell.ts");
  expect(await main(["derive", "--cell", module, "--out", dir])).toBe(1);
  const message = io.stderr();
  expect(message).toContain(`ostl derive: cell module ${module}: cell 'leaky-tanh': its page (6 equations) is not written, as it disagrees with the engine: printed equation a_{i} [a(i) == Sum(k, 3, W(i, k) * x__t(k)) - b(i)]: relative error`);
  expect(message).toContain("; printed equation h^{t}_{i} [h__t(i) == 0.9 * h__tm1(i) - tanh(a(i))]: relative error");
  expect(existsSync(join(dir, "leaky-tanh.md"))).toBe(false);
});

it("--all writes no page that disagrees, reports each cell, and exits 1", async () => {
  const io = captureOutput();
  const dir = mkdtempSync(join(tmpdir(), "ostl-derive-all-refused-"));
  expect(await main(["derive", "--all", "--out", dir])).toBe(1);
  expect(readdirSync(dir)).toEqual(["README.md"]);
  expect(io.stderr()).toMatch(/^ostl derive: rnn: cell 'rnn': its page \(7 equations\) is not written, as it disagrees with the engine: printed equation a_\{i\} \[a\(i\) == Sum\(k, 3, W\(i, k\) \* x__t\(k\)\) \+ Sum\(j, 4, U\(i, j\) \* h__tm1\(j\)\) - b\(i\)\]: relative error/m);
});

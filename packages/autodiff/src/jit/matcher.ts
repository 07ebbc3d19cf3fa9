import { NDArray } from "@ostl/core";
import type { Tree } from "../tree.js";

/**
 * A check that arguments have the very signature of `sample` (structure, dtypes and shapes),
 * generated once per compiled program so that a call with a known signature costs a few property
 * reads: `match(args, leaves)` returns whether they do, and if so has written their leaves, in
 * flatten order, into `leaves`. It allocates nothing. A tracer never matches (it is no `NDArray`),
 * so calls under a transformation take the slow path, which runs the function uncompiled.
 */
export function signatureMatcher(sample: readonly Tree[]): (args: readonly Tree[], leaves: unknown[]) => boolean {
  const lines: string[] = [];
  let names = 0;
  let leaf = 0;
  const check = (node: unknown, ref: string): void => {
    if (typeof node === "number") {
      lines.push(`if (typeof ${ref} !== "number") return false;`, `leaves[${leaf++}] = ${ref};`);
      return;
    }
    if (node instanceof NDArray) {
      const shape = node.shape.map((d, i) => ` || ${ref}.shape[${i}] !== ${d}`).join("");
      lines.push(`if (!(${ref} instanceof NDArray) || ${ref}.dtype !== "${node.dtype}" || ${ref}.shape.length !== ${node.shape.length}${shape}) return false;`, `leaves[${leaf++}] = ${ref};`);
      return;
    }
    if (Array.isArray(node)) {
      lines.push(`if (!Array.isArray(${ref}) || ${ref}.length !== ${node.length}) return false;`);
      node.forEach((child, i) => {
        const name = `v${names++}`;
        lines.push(`const ${name} = ${ref}[${i}];`);
        check(child, name);
      });
      return;
    }
    const record = node as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    const count = `k${names++}`;
    lines.push(
      `if (${ref} === null || typeof ${ref} !== "object" || Object.getPrototypeOf(${ref}) !== Object.prototype) return false;`,
      `let ${count} = 0;`,
      `for (const key in ${ref}) ${count}++;`,
      `if (${count} !== ${keys.length}) return false;`,
    );
    for (const key of keys) {
      const name = `v${names++}`;
      lines.push(`const ${name} = ${ref}[${JSON.stringify(key)}];`);
      check(record[key], name);
    }
  };
  check(sample, "args");
  const source = `"use strict";\nreturn function match(args, leaves) {\n${lines.map((l) => `  ${l}`).join("\n")}\n  return true;\n};`;
  return new Function("NDArray", source)(NDArray) as (args: readonly Tree[], leaves: unknown[]) => boolean;
}

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../../test-support/examples.js";

/** tsx's loader, as `npx tsx` runs a script. */
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

describe("a user's script in the clone", () => {
  it("imports @ostl/* from the repository's root and from a folder of its own (the packages built)", () => {
    const folder = mkdtempSync(join(repoRoot, ".user-script-"));
    try {
      const script = `import { PRNG, tensor } from "@ostl/core";
import { Bptt, Network, Ostl } from "@ostl/ostl";
import { mse, snu } from "@ostl/models";
const net = new Network({ inputSize: 2, layers: [{ cell: snu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
const params = net.init(new PRNG(0));
const g = (a: Bptt | Ostl) => { a.begin(params); a.step(tensor([1, 0]), tensor([1])); return JSON.stringify(a.gradients().layer0!.W!.toNested()); };
console.log(g(new Bptt(net)) === g(new Ostl(net)));
`;
      writeFileSync(join(folder, "mine.ts"), script);
      // run from the folder (a subfolder of the clone) and from the root, as `npx tsx` would
      for (const cwd of [folder, repoRoot]) {
        const out = execFileSync(process.execPath, ["--import", tsx, join(folder, "mine.ts")], { cwd, encoding: "utf8" });
        expect(out.trim(), cwd).toBe("true");
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 60_000);
});

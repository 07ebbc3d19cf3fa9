import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { loadCell, main } from "@ostl/cli";
import { captureOutput } from "./capture.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

describe("--cell with a module whose cell breaks the cell contract", () => {
  afterEach(() => vi.restoreAllMocks());

  for (const command of ["compare", "derive"]) {
    it(`ostl ${command}: one line naming the cell and the field, exit 2, before any work`, async () => {
      const io = captureOutput();
      const status = await main([command, "--cell", join(fixtures, "extra-field-cell.ts"), ...(command === "compare" ? ["--quiet"] : [])]);
      expect(status).toBe(2);
      const lines = io.stderr().trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^ostl ${command}: cell module .*extra-field-cell\\.ts breaks the cell contract: extra-field: step returned state fields \\{h,k\\}, expected \\{h\\} \\(extra: k\\)$`));
      expect(io.stdout()).toBe("");
    }, 30_000);
  }
});

describe("--cell with a module of one's own", () => {
  // a scratch folder inside the workspace, where @ostl/* resolves for the test runner's imports too
  const scratch = join(import.meta.dirname, "..", "node_modules", ".load-cell-test");
  mkdirSync(scratch, { recursive: true });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  /** A module in a scratch folder exporting `source`. */
  const moduleOf = (source: string) => {
    const file = join(mkdtempSync(join(scratch, "cells-")), "cells.ts");
    writeFileSync(file, `import { gru, rnn } from "@ostl/models";\n${source}\n`);
    return file;
  };

  it("takes its one cell under any export name, as the defining-a-cell guide writes it", async () => {
    const file = moduleOf(`export const lif = { ...rnn(), name: "lif" };\nexport const size = 3;`);
    expect((await loadCell(file)).name).toBe("lif");
  });

  it("with several cells, names them and picks one after '#'", async () => {
    const file = moduleOf(`export const lif = { ...rnn(), name: "lif" };\nexport const alif = { ...gru(), name: "alif" };`);
    await expect(loadCell(file)).rejects.toThrow(`cell module ${file} exports several cells (lif, alif): pick one with --cell ${file}#lif`);
    expect((await loadCell(`${file}#alif`)).name).toBe("alif");
    await expect(loadCell(`${file}#adex`)).rejects.toThrow(`cell module ${file} has no cell exported as 'adex'; its cells: lif, alif`);
    // the default export still comes first
    expect((await loadCell(moduleOf(`export default { ...gru(), name: "main" };\nexport const other = { ...rnn(), name: "other" };`))).name).toBe("main");
  });

  it("ostl compare takes file.ts#name", async () => {
    const file = moduleOf(`export const lif = { ...rnn(), name: "lif" };\nexport const alif = { ...gru(), name: "alif" };`);
    const io = captureOutput();
    expect(await main(["compare", "--cell", `${file}#alif`, "--layers", "1", "--hidden", "3", "--T", "4", "--algos", "rtrl", "--json", "--quiet", "--out", join(dirname(file), "report")])).toBe(0);
    expect(JSON.parse(io.stdout()).networks[0].cell).toBe("alif");
  }, 60_000);
});

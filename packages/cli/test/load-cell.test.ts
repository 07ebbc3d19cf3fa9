import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "@ostl/cli";
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

/**
 * Every TypeScript block of the documentation (the READMEs, the guides, the TSDoc examples)
 * passes the workspace's strict type check, all checked together in one program. The blocks are
 * found by walking where documentation lives (test-support/doc-blocks.ts), so a new one is
 * checked without being listed anywhere.
 */
import { describe, expect, it } from "vitest";
import { documentationBlocks, documentationMarkdown, typeCheckBlocks } from "../../../test-support/doc-blocks.js";

describe("documentation blocks type-check (strict)", () => {
  const blocks = documentationBlocks();

  it("finds the blocks of the root README, every package README that has code, every guide with code and the TSDoc examples", () => {
    const files = new Set(blocks.map((b) => b.where.replace(/:\d+$/, "")));
    expect(files).toContain("README.md");
    expect(files).toContain("docs/guides/getting-started.md");
    expect(files).toContain("docs/guides/defining-a-cell.md");
    expect(documentationMarkdown().length).toBeGreaterThanOrEqual(12);
    expect(blocks.filter((b) => b.where.includes("/src/")).length).toBeGreaterThanOrEqual(200);
  });

  it("finds no type error in any block", async () => {
    const errors = await typeCheckBlocks(blocks);
    expect(errors.map((e) => `${e.where} (+${e.line}): ${e.message}`)).toEqual([]);
  }, 240_000);

  it("reports a block with a type error, named by its file and line", async () => {
    const errors = await typeCheckBlocks([
      { where: "guide.md:3", code: 'import { zeros } from "@ostl/core";\nconst t = zeros([2]);\nconsole.log(t.toFlatt());\n' },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ where: "guide.md:3", line: 3 });
    expect(errors[0]!.message).toMatch(/toFlatt/);
  }, 120_000);
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "@ostl/cli";

describe("ostl command line", () => {
  afterEach(() => vi.restoreAllMocks());

  it("lists the commands for help and exits 0", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    expect(await main(["help"])).toBe(0);
    expect(log.mock.calls.join("\n")).toContain("compare");
  });

  it("rejects an unknown command with exit code 2 and names it", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(await main(["frobnicate"])).toBe(2);
    expect(error.mock.calls.join("\n")).toContain("unknown command 'frobnicate'");
  });

  it("shows a command's usage for --help", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    expect(await main(["compare", "--help"])).toBe(0);
    expect(log.mock.calls.join("\n")).toContain("usage: ostl compare");
  });
});

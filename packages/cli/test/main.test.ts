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
    expect(error.mock.calls.join("\n")).toContain("unknown command 'frobnicate'\n");
  });

  it("suggests the command or flag a misspelt one is closest to", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(await main(["comapre"])).toBe(2);
    expect(error.mock.calls.join("\n")).toContain("unknown command 'comapre'; did you mean 'compare'?");
    expect(await main(["compare", "--hiden", "4"])).toBe(2);
    expect(error.mock.calls.join("\n")).toContain("Unknown option '--hiden'; did you mean --hidden? (see 'ostl compare --help')");
    expect(await main(["study", "--trainwith", "bptt"])).toBe(2);
    expect(error.mock.calls.join("\n")).toContain("Unknown option '--trainwith'; did you mean --train-with?");
    // nothing close: no guess
    expect(await main(["compile", "--cell", "rnn", "--seed", "1"])).toBe(2);
    expect(error.mock.calls.join("\n")).toContain("Unknown option '--seed' (see 'ostl compile --help')");
  });

  it("shows a command's usage for --help", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    expect(await main(["compare", "--help"])).toBe(0);
    expect(log.mock.calls.join("\n")).toContain("usage: ostl compare");
  });

  it("an input the library rejects is one line naming the op and the values, exit 2, not a stack trace", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(await main(["compare", "--cell", "rnn", "--layers", "1", "--hidden", "200000", "--T", "2", "--quiet", "--json"])).toBe(2);
    expect(error.mock.calls).toEqual([
      ["ostl compare: AllocationError: uniform: cannot allocate [200000,200000] float64 (3.2e11 bytes): Invalid typed array length: 40000000000 (OSTL_DEBUG=1 shows the stack)"],
    ]);
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { commands, compareNetwork, networkRows, parseTrainConfig, runGradcheck } from "@ostl/cli";
import { rnn } from "@ostl/models";

/**
 * The commands must read their algorithm lists from the registry of @ostl/ostl: with one more
 * algorithm registered (a second RTRL under another name), every list, flag and report has it.
 */
vi.mock("@ostl/ostl", async (importOriginal) => {
  const real = await importOriginal<typeof import("@ostl/ostl")>();
  const extra = { ...real.algorithms.rtrl, name: "rtrl-copy", title: "RTRL-copy", description: "RTRL registered a second time" };
  return { ...real, algorithms: { ...real.algorithms, "rtrl-copy": extra }, ALGORITHM_NAMES: [...real.ALGORITHM_NAMES, "rtrl-copy"] };
});

/** The algorithms a reference file covers (exact, or exact on the top layer). */
const CHECKED = ["bptt", "rtrl", "ostl", "rtrl-copy"];
const usageOf = (name: string) => commands.find((c) => c.name === name)!;

describe("the commands' algorithm lists come from the registry", () => {
  it("train: --algo's usage line, the accepted values and the error for an unknown one", () => {
    expect(usageOf("train").usage).toContain("  --algo A             bptt, rtrl, ostl, eprop, snap, uoro, kfrtrl, rflo or rtrl-copy (default ostl)\n");
    expect(usageOf("train").usage).toContain("Trains a network by BPTT, RTRL, OSTL, e-prop, SnAp, UORO, KF-RTRL, RFLO or RTRL-copy");
    expect(parseTrainConfig(["--task", "copy", "--cell", "rnn", "--algo", "rtrl-copy"]).algorithm).toBe("rtrl-copy");
    expect(() => parseTrainConfig(["--task", "copy", "--cell", "rnn", "--algo", "snap9"])).toThrow("--algo must be one of bptt, rtrl, ostl, eprop, snap, uoro, kfrtrl, rflo, rtrl-copy, got 'snap9'");
  });

  it("the summaries and usage texts of compare and gradcheck", () => {
    expect(usageOf("compare").summary).toBe("compare BPTT, RTRL, OSTL, e-prop, SnAp, UORO, KF-RTRL, RFLO and RTRL-copy: gradient agreement, time, memory, scaling");
    expect(usageOf("compare").usage).toContain("Trains the same networks by BPTT, RTRL, OSTL, e-prop, SnAp, UORO, KF-RTRL, RFLO");
    // gradcheck runs the algorithms a reference covers; the exact ones are compared with grads.bptt
    expect(usageOf("gradcheck").summary).toBe("check BPTT, RTRL, OSTL and RTRL-copy against external reference gradients");
    expect(usageOf("gradcheck").usage).toContain("compares BPTT, RTRL and RTRL-copy with grads.bptt");
  });

  it("compare: one row per registered algorithm", () => {
    const net = compareNetwork({ name: "rnn", cell: rnn(), layers: 1 }, { inputSize: 2, hiddenSize: 3, outputSize: 2, T: 4, seed: 0 });
    expect(networkRows(net).map((r) => r[0])).toEqual(["bptt", "rtrl", "ostl", "eprop (approx.)", "snap (approx.)", "uoro (approx.)", "kfrtrl (approx.)", "rflo (approx.)", "rtrl-copy"]);
    expect(net.algorithms["rtrl-copy" as "rtrl"].relErrorToBptt[0]).toBeLessThan(1e-12);
  });

  it("gradcheck: every registered algorithm a reference covers runs on every case, the exact ones against grads.bptt", () => {
    const file = JSON.parse(readFileSync(join(import.meta.dirname, "../../../fixtures/reference-public.json"), "utf8"));
    const report = runGradcheck(JSON.stringify({ ...file, cases: file.cases.slice(0, 1) }), "one-case.json", 1e-8, 0);
    expect([...new Set(report.results.map((r) => r.algorithm))]).toEqual(CHECKED);
    expect(report.failed).toBe(0);
  });
});

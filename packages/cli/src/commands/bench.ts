import { Bptt, Ostl } from "@ostl/ostl";
import { lstm, snu, ssnu } from "@ostl/models";
import { measureOpOverhead } from "../bench/op-overhead.js";
import { memoryGrowth, ostlOverForward, ostlOverRtrl } from "../bench/ostl-costs.js";
import { bpttVsTfjs, PEER_CONFIG } from "../bench/tfjs-peer.js";
import { parseFlags } from "../args.js";
import type { Command } from "../command.js";
import { progress } from "../progress.js";
import { formatTable } from "../table.js";

/**
 * The `--json` report of `ostl bench`: ratios measured in one run.
 *
 * @example
 * ```ts
 * import type { BenchReport } from "@ostl/cli";
 * // what `ostl bench --json` prints; the figures below are made up for the example
 * const report: BenchReport = {
 *   schema: "ostl-bench/1",
 *   results: { ostlOverForward: { ssnu: 4.1, snu: 4.3 }, ostlOverRtrl: 0.4, memoryGrowth: { ostl: 1, bptt: 100 }, bpttVsTfjs: { cpu: 0.6, wasm: 1.2, maxRelDiff: 3e-7 }, opOverheadNs: 250 },
 *   details: {},
 * };
 * console.log(report.results.memoryGrowth.bptt / report.results.memoryGrowth.ostl); // 100
 * ```
 */
export interface BenchReport {
  schema: "ostl-bench/1";
  results: {
    ostlOverForward: { ssnu: number; snu: number };
    ostlOverRtrl: number;
    memoryGrowth: { ostl: number; bptt: number };
    bpttVsTfjs: { cpu: number; wasm: number; maxRelDiff: number };
    opOverheadNs: number;
  };
  details: Record<string, unknown>;
}

/** Units and inputs of the LSTM layer of `ostlOverRtrl`. */
const RTRL_SIZE = 32;

const usage = `usage: ostl bench [--json] [--quiet]

Measures, in one run, ratios that do not depend on how loaded the machine is:
  ostlOverForward.ssnu, .snu  OSTL training step / compiled forward-only step, one layer n = m = 256, batch 1
  ostlOverRtrl                OSTL training step / RTRL training step, one LSTM layer n = m = 32, batch 1
  memoryGrowth.ostl, .bptt    floats held after T = 10,000 steps / after T = 100 (sSNU n = m = 256)
  bpttVsTfjs.cpu, .wasm       our BPTT gradient time / TensorFlow.js's, LSTM n = 128, m = 64, T = 100,
                              batch 16, float32, same weights (gradients checked to agree to 1e-4 first)
  opOverheadNs                what recording on a reverse-mode tape adds per op on tiny tensors

  --json   print exactly one JSON object (schema ostl-bench/1)
  --quiet  no progress output`;

/**
 * `ostl bench`: the performance record against the forward pass and the JavaScript peer (a few minutes).
 *
 * @example
 * ```ts
 * import { benchCommand, main } from "@ostl/cli";
 * console.log(benchCommand.name, benchCommand.usage.split("\n")[0]); // bench usage: ostl bench [--json] [--quiet]
 * console.log(await main(["bench", "--help"])); // 0
 * ```
 */
export const benchCommand: Command = {
  name: "bench",
  summary: "measure OSTL/forward, OSTL/RTRL, memory growth with T, BPTT vs TensorFlow.js, op overhead",
  usage,
  async run(argv) {
    const { values } = parseFlags("bench", argv, { json: { type: "boolean" }, quiet: { type: "boolean" } });
    const bar = progress(7, "bench", values.quiet === true);
    const n = 256;
    const ssnuRatio = ostlOverForward(ssnu(), n, n);
    bar.tick("OSTL/forward, sSNU");
    const snuRatio = ostlOverForward(snu(), n, n);
    bar.tick("OSTL/forward, SNU");
    const rtrlRatio = ostlOverRtrl(lstm(), RTRL_SIZE, RTRL_SIZE);
    bar.tick("OSTL/RTRL, LSTM");
    const ostlGrowth = memoryGrowth((net) => new Ostl(net), ssnu(), n, n, 100, 10_000);
    bar.tick("memory growth, OSTL");
    const bpttGrowth = memoryGrowth((net) => new Bptt(net), ssnu(), n, n, 100, 10_000);
    bar.tick("memory growth, BPTT");
    const [cpu, wasm] = await bpttVsTfjs(["cpu", "wasm"]);
    bar.tick("BPTT vs TensorFlow.js");
    const overhead = measureOpOverhead();
    bar.tick("op overhead");
    bar.stop();
    const report: BenchReport = {
      schema: "ostl-bench/1",
      results: {
        ostlOverForward: { ssnu: ssnuRatio.ratio, snu: snuRatio.ratio },
        ostlOverRtrl: rtrlRatio.ratio,
        memoryGrowth: { ostl: ostlGrowth, bptt: bpttGrowth },
        bpttVsTfjs: { cpu: cpu!.ratio, wasm: wasm!.ratio, maxRelDiff: Math.max(cpu!.maxRelDiff, wasm!.maxRelDiff) },
        opOverheadNs: overhead.overheadNs,
      },
      details: { ostlStep: { ssnu: ssnuRatio, snu: snuRatio }, ostlOverRtrl: { cell: "lstm", n: RTRL_SIZE, m: RTRL_SIZE, ...rtrlRatio }, tfjs: { config: PEER_CONFIG, cpu, wasm }, opOverhead: overhead },
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    const r = report.results;
    const rows = [
      ["ostlOverForward.ssnu", r.ostlOverForward.ssnu.toFixed(2), `OSTL ${ssnuRatio.ostlMs.toFixed(3)} ms / forward ${ssnuRatio.forwardMs.toFixed(3)} ms per step`, "<= 2"],
      ["ostlOverForward.snu", r.ostlOverForward.snu.toFixed(2), `OSTL ${snuRatio.ostlMs.toFixed(3)} ms / forward ${snuRatio.forwardMs.toFixed(3)} ms per step`, "<= 2"],
      ["ostlOverRtrl", r.ostlOverRtrl.toFixed(2), `OSTL ${rtrlRatio.ostlMs.toFixed(1)} ms / RTRL ${rtrlRatio.rtrlMs.toFixed(1)} ms per step`, "<= 1"],
      ["memoryGrowth.ostl", r.memoryGrowth.ostl.toFixed(3), "floats held, T = 10,000 / T = 100", "<= 1.1"],
      ["memoryGrowth.bptt", r.memoryGrowth.bptt.toFixed(1), "floats held, T = 10,000 / T = 100", ""],
      ["bpttVsTfjs.cpu", r.bpttVsTfjs.cpu.toFixed(2), `${cpu!.oursMs.toFixed(0)} ms / ${cpu!.tfjsMs.toFixed(0)} ms (gradients agree to ${cpu!.maxRelDiff.toExponential(1)})`, "<= 1"],
      ["bpttVsTfjs.wasm", r.bpttVsTfjs.wasm.toFixed(2), `${wasm!.oursMs.toFixed(0)} ms / ${wasm!.tfjsMs.toFixed(0)} ms (gradients agree to ${wasm!.maxRelDiff.toExponential(1)})`, "<= 2 (aim)"],
      ["opOverheadNs", r.opOverheadNs.toFixed(0), `recorded ${overhead.recordedNs.toFixed(0)} ns - plain ${overhead.plainNs.toFixed(0)} ns per op`, "< 1000 (aim)"],
    ];
    console.log(formatTable(["ratio", "value", "measured", "target"], rows));
    return 0;
  },
};

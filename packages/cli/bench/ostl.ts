/**
 * OSTL costs, measured in one run: OSTL step over forward step for an sSNU layer without H
 * (n = m = 256, batch 1, structured traces) and for an LSTM layer (n = 32, dense traces: the
 * O(n^4) regime), and memory held at T = 10,000 over T = 100 for OSTL and BPTT.
 */
import { Bptt, Network, Ostl, analyze } from "@ostl/ostl";
import { lstm, mse, ssnu } from "@ostl/models";
import { memoryGrowth, ostlOverForward } from "@ostl/cli";

const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
console.log("bench:ostl (float64, batch 1, one run)");
const snuCell = ssnu();
const a = analyze(new Network({ inputSize: 256, layers: [{ cell: snuCell, hiddenSize: 256 }], outputSize: 10, loss: mse })).layers[0]!;
console.log(`  sSNU 256x256 without H: temporal Jacobian ${a.temporalJacobian}, traces ${a.params.map((p) => `${p.name}:${p.layout}`).join(" ")}, ${a.traceFloats} trace floats`);
const snu = ostlOverForward(snuCell, 256, 256);
console.log(`  forward ${snu.forwardMs.toFixed(3)} ms, OSTL ${snu.ostlMs.toFixed(3)} ms per step: OSTL/forward ${snu.ratio.toFixed(2)}x  target <= 3: ${verdict(snu.ratio <= 3)}`);
const ostlGrowth = memoryGrowth((net) => new Ostl(net), snuCell, 256, 256, 100, 10_000);
const bpttGrowth = memoryGrowth((net) => new Bptt(net), snuCell, 256, 256, 100, 10_000);
console.log(`  floats held at T = 10,000 / T = 100: OSTL ${ostlGrowth.toFixed(3)}x  target <= 1.1: ${verdict(ostlGrowth <= 1.1)};  BPTT ${bpttGrowth.toFixed(1)}x`);
const lstmCell = lstm();
const l = analyze(new Network({ inputSize: 32, layers: [{ cell: lstmCell, hiddenSize: 32 }], outputSize: 10, loss: mse })).layers[0]!;
console.log(`  LSTM 32: temporal Jacobian ${l.temporalJacobian}, dense traces of ${l.traceFloats} floats (P x |s|)`);
const dense = ostlOverForward(lstmCell, 32, 32, 3, 5);
console.log(`  forward ${dense.forwardMs.toFixed(3)} ms, OSTL ${dense.ostlMs.toFixed(3)} ms per step: OSTL/forward ${dense.ratio.toFixed(1)}x (the O(n^4) regime)`);
console.log(`  floats held at T = 200 / T = 10: OSTL ${memoryGrowth((net) => new Ostl(net), lstmCell, 32, 32, 10, 200).toFixed(3)}x`);

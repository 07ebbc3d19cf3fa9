import { PRNG } from "@ostl/core";
import { analyze, Bptt, type Cell, Network, Ostl } from "@ostl/ostl";
import { lstm, mse, ssnu } from "@ostl/models";
import { measureRuns, TIMED_ROUNDS, timeRounds } from "./measure.js";
import type { TimeSpread } from "./time-spread.js";
import { syntheticSequence } from "./suite.js";

/**
 * A point of the memory/time-against-T curves.
 *
 * @example
 * ```ts
 * import { runScaling, type TPoint } from "@ostl/cli";
 * const points: TPoint[] = runScaling({ Ts: [10, 40], ns: [2], nSteps: 2, seed: 0 }).vsT.points;
 * // BPTT's tape grows with T (16 units: two state fields, and what each step's backward step reads), OSTL's traces do not
 * console.log(points.map((p) => `${p.algorithm} T=${p.T}: ${p.memoryFloats}`)); // ["bptt T=10: 980", "ostl T=10: 96", "bptt T=40: 3920", "ostl T=40: 96"]
 * ```
 */
export interface TPoint {
  algorithm: "bptt" | "ostl";
  T: number;
  memoryFloats: number;
  peakBytes: number;
  /** Milliseconds per step over the timed rounds. */
  msPerStep: TimeSpread;
}

/**
 * A point of the cost-against-n curves.
 *
 * @example
 * ```ts
 * import { runScaling, type NPoint } from "@ostl/cli";
 * const points: NPoint[] = runScaling({ Ts: [2], ns: [2, 4], nSteps: 2, seed: 0 }).vsN;
 * // sSNU traces grow like n·m, dense LSTM traces like P·|s| = O(n³)
 * console.log(points.map((p) => `${p.cell} (${p.temporalJacobian}) n=${p.n}: ${p.traceFloats}`)); // ["ssnu (diagonal) n=2: 12", "ssnu (diagonal) n=4: 24", "lstm (dense) n=2: 224", "lstm (dense) n=4: 1152"]
 * ```
 */
export interface NPoint {
  cell: string;
  temporalJacobian: "diagonal" | "dense";
  n: number;
  traceFloats: number;
  ostlFlopsPerStep: number;
  /** OSTL's milliseconds per step over the timed rounds. */
  msPerStep: TimeSpread;
}

/**
 * The scaling section of a comparison.
 *
 * @example
 * ```ts
 * import { runScaling, type Scaling } from "@ostl/cli";
 * const s: Scaling = runScaling({ Ts: [5], ns: [2], nSteps: 2, seed: 0 });
 * console.log(s.vsT.cell, s.vsT.hiddenSize, s.vsT.points.length, s.vsN.length); // ssnu 16 2 2
 * ```
 */
export interface Scaling {
  vsT: { cell: string; hiddenSize: number; points: TPoint[] };
  vsN: NPoint[];
}

const INPUT_SIZE = 4;
const single = (cell: Cell, n: number) => new Network({ inputSize: INPUT_SIZE, layers: [{ cell, hiddenSize: n }], outputSize: 2, loss: mse });

/**
 * Memory and time per step against T for BPTT and OSTL (BPTT's tape grows, OSTL's traces do not),
 * and OSTL's trace size and time per step against n. By default the cells are a diagonal one (sSNU:
 * O(n·m) traces, also the one of the T sweep) and a dense one (LSTM: O(n²·P) = O(n⁴) work); with
 * `cells`, those cells (the first one for the T sweep): a user's cell is scaled itself. Each sweep
 * times all its points in the same `rounds` rounds (default {@link TIMED_ROUNDS}; see
 * {@link timeRounds}), `nSteps` steps per round in the sweep over n; `onProgress` hears of each
 * sweep as it starts.
 *
 * @example
 * ```ts
 * import { runScaling } from "@ostl/cli";
 * import { gru } from "@ostl/models";
 * const labels: string[] = [];
 * const s = runScaling({ Ts: [10, 20], ns: [2, 4], nSteps: 3, rounds: 3, seed: 0, onProgress: (label) => labels.push(label) });
 * console.log(s.vsT.points.length, s.vsN.length, labels); // 4 4 ["scaling: T = 10 to 20", "scaling: n = 2 to 4"]
 * console.log(s.vsN.every((p) => p.msPerStep.rounds === 3 && p.msPerStep.q1 <= p.msPerStep.q3)); // true
 * const own = runScaling({ Ts: [10], ns: [2, 4], nSteps: 3, seed: 0, cells: [{ name: "gru", cell: gru() }] });
 * console.log(own.vsT.cell, own.vsN.map((p) => `${p.cell} ${p.n}`)); // gru ["gru 2", "gru 4"]
 * ```
 */
export function runScaling(options: { Ts: readonly number[]; ns: readonly number[]; nSteps: number; seed: number; rounds?: number; onProgress?: (label: string) => void; cells?: readonly { readonly name: string; readonly cell: Cell }[] }): Scaling {
  const hiddenSize = 16;
  const rounds = options.rounds ?? TIMED_ROUNDS;
  const cells = options.cells ?? [{ name: "ssnu", cell: ssnu() }, { name: "lstm", cell: lstm() }];
  const network = single(cells[0]!.cell, hiddenSize);
  const params = network.init(new PRNG(options.seed));
  options.onProgress?.(`scaling: T = ${options.Ts[0]} to ${options.Ts.at(-1)}`);
  const tRuns = options.Ts.flatMap((T) => {
    const { xs, targets } = syntheticSequence(INPUT_SIZE, 2, T, options.seed);
    return (["bptt", "ostl"] as const).map((algorithm) => ({ T, name: algorithm, algorithm: algorithm === "bptt" ? new Bptt(network) : new Ostl(network), params, xs, targets }));
  });
  const points: TPoint[] = measureRuns(tRuns, rounds).map((m, i) => ({ algorithm: tRuns[i]!.name, T: tRuns[i]!.T, memoryFloats: m.memoryFloats, peakBytes: m.peakBytes, msPerStep: m.msPerStep }));
  options.onProgress?.(`scaling: n = ${options.ns[0]} to ${options.ns.at(-1)}`);
  const { xs, targets } = syntheticSequence(INPUT_SIZE, 2, options.nSteps, options.seed);
  const nRuns = cells.flatMap(({ name, cell }) =>
    options.ns.map((n) => {
      const net = single(cell, n);
      return { name, n, analysis: analyze(net), algorithm: new Ostl(net), params: net.init(new PRNG(options.seed)), xs, targets };
    }),
  );
  const vsN: NPoint[] = timeRounds(nRuns, rounds).map((m, i) => {
    const { name, n, analysis } = nRuns[i]!;
    return { cell: name, temporalJacobian: analysis.layers[0]!.temporalJacobian, n, traceFloats: analysis.traceFloats.ostl, ostlFlopsPerStep: analysis.flopsPerStep.ostl, msPerStep: m.msPerStep };
  });
  return { vsT: { cell: cells[0]!.name, hiddenSize, points }, vsN };
}

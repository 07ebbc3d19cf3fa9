import * as core from "@ostl/core";
import { Network, Ostl, Rtrl, type GradientAlgorithm, type NetworkParams } from "@ostl/ostl";
import { lstm, mse } from "@ostl/models";
const n = 32, m = 32;
const network = new Network({ inputSize: m, layers: [{ cell: lstm(), hiddenSize: n }], outputSize: 10, loss: mse });
const rng = new core.PRNG(1);
const params = network.init(rng.split()) as NetworkParams;
const xs = Array.from({ length: 64 }, () => rng.uniform([m], 0, 1));
const target = rng.normal([10]);
const algos: [string, GradientAlgorithm][] = [["ostl", new Ostl(network)], ["rtrl", new Rtrl(network)]];
const acc: Record<string, number[]> = {};
for (let round = 0; round < 30; round++) {
  for (const [name, a] of round % 2 ? algos : [...algos].reverse()) {
    let t0 = performance.now();
    a.begin(params);
    const tb = performance.now() - t0;
    t0 = performance.now();
    for (let t = 0; t < 5; t++) a.step(xs[t]!, target);
    const ts = performance.now() - t0;
    t0 = performance.now();
    a.gradients();
    const tg = performance.now() - t0;
    if (round >= 4) for (const [k, v] of [["begin", tb], ["step", ts / 5], ["grad", tg]] as const) (acc[`${name}.${k}`] ??= []).push(v);
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
for (const [k, v] of Object.entries(acc)) console.log(k, med(v).toFixed(3));

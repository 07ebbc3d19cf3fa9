import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { DTypeError, ShapeError, ValueError } from "@ostl/core";
import { type Tensor, concat, reshape, sum } from "@ostl/autodiff";
import { Bptt, type Cell, type GradientAlgorithm, Network, type NetworkParams, Ostl, Rtrl, type StepResult, type TensorRecord, analyze, planOstl } from "@ostl/ostl";
import { decaying, elman, mse, spiking } from "./cells.js";

/** The cell-contract checks: every algorithm names the cell, layer and field of a broken contract. */

type ErrorClass = typeof ValueError | typeof ShapeError | typeof DTypeError;

/** A way to break what a cell's step returns; `field` is the base cell's first state field, `fields` all of them. */
interface Defect {
  readonly name: string;
  readonly error: ErrorClass;
  readonly breakStep: (r: StepResult, field: string) => unknown;
  readonly message: (fields: readonly string[]) => string;
}

const defects: readonly Defect[] = [
  {
    name: "an extra state field",
    error: ValueError,
    breakStep: (r, f) => ({ state: { ...r.state, extra: r.state[f]! }, y: r.y }),
    message: (fields) => `step returned state fields {${[...fields, "extra"].join(",")}}, expected {${fields.join(",")}} (extra: extra)`,
  },
  {
    name: "a missing state field",
    error: ValueError,
    breakStep: (r, f) => ({ state: Object.fromEntries(Object.entries(r.state).filter(([k]) => k !== f)), y: r.y }),
    message: ([f, ...rest]) => `step returned state fields {${rest.join(",")}}, expected {${[f, ...rest].join(",")}} (missing: ${f})`,
  },
  {
    name: "a misshaped state field",
    error: ShapeError,
    breakStep: (r, f) => ({ state: { ...r.state, [f]: sum(r.state[f]!) }, y: r.y }),
    message: ([f]) => `step changed the shape of state '${f}' from [4] to []`,
  },
  {
    name: "a y of the wrong size",
    error: ShapeError,
    breakStep: (r) => ({ state: r.state, y: concat([r.y, r.y]) }),
    message: () => "step returned y of shape [8], expected [4]",
  },
  {
    name: "a state value that is not a tensor",
    error: ValueError,
    breakStep: (r, f) => ({ state: { ...r.state, [f]: 0 }, y: r.y }),
    message: ([f]) => `step returned state '${f}' that is not a tensor (got number 0)`,
  },
  {
    name: "no y",
    error: ValueError,
    breakStep: (r) => ({ state: r.state }),
    message: () => "step must return { state, y }",
  },
];

const stateFields = (cell: Cell) => Object.keys(cell.init(new core.PRNG(0), { inputSize: 1, hiddenSize: 1 }).state);

/** `base` with its step's result broken by `defect`. */
function broken(base: Cell, defect: Defect): Cell {
  const field = stateFields(base)[0]!;
  return { ...base, name: `${base.name}-broken`, step: (p, s, x) => defect.breakStep(base.step(p, s, x), field) as StepResult };
}

/** Two layers of 4 units: a sound Elman layer below `top`, so that the failing layer is layer 1. */
const twoLayers = (top: Cell) => new Network({ inputSize: 3, layers: [{ cell: elman, hiddenSize: 4 }, { cell: top, hiddenSize: 4 }], outputSize: 2, loss: mse });
const sound = twoLayers(elman).init(new core.PRNG(1));
const x = core.tensor([1, -1, 0.5]);
const target = core.tensor([0, 1]);

/** Constructs the algorithm, begins and takes one step: where the contract is checked is up to the algorithm. */
function firstStep(make: () => GradientAlgorithm, params: NetworkParams, state?: Parameters<GradientAlgorithm["begin"]>[1]): void {
  const algo = make();
  algo.begin(params, state);
  algo.step(x, target);
}

function expectError(run: () => unknown, error: ErrorClass, message: string): void {
  let caught: unknown = null;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(error);
  expect((caught as Error).message).toContain(message);
}

const makers: readonly [string, (net: Network) => GradientAlgorithm][] = [
  ["BPTT", (net) => new Bptt(net)],
  ["RTRL", (net) => new Rtrl(net)],
  ["OSTL", (net) => new Ostl(net)],
];

/** Base cells for the step defects: OSTL derives each by another path (dense traces, diagonal traces by forward mode, by reverse passes). */
const bases: readonly [string, Cell][] = [
  ["dense traces", elman],
  ["diagonal traces, derivatives by forward mode", spiking],
  ["diagonal traces, derivatives by reverse passes", decaying],
];

describe("a step that breaks the cell contract is named by cell, layer and field", () => {
  for (const defect of defects) {
    for (const [algorithm, make] of makers) {
      for (const [path, base] of algorithm === "OSTL" ? bases : bases.slice(0, 1)) {
        it(`${defect.name}: ${algorithm}${algorithm === "OSTL" ? ` (${path})` : ""}`, () => {
          const net = twoLayers(broken(base, defect));
          const params = net.init(new core.PRNG(1));
          expectError(() => firstStep(() => make(net), params), defect.error, `${base.name}-broken (layer 1): ${defect.message(stateFields(base))}`);
        });
      }
    }
    it(`${defect.name}: analyze`, () => {
      expectError(() => analyze(twoLayers(broken(spiking, defect))), defect.error, `spiking-broken (layer 1): ${defect.message(["s", "y"])}`);
    });
  }

  it("the sound base cells pass, and OSTL plans each with the traces named", () => {
    expect(bases.map(([, cell]) => planOstl(twoLayers(cell))[1]!.traces)).toEqual(["dense", "diagonal", "diagonal"]);
    for (const [, make] of makers) for (const [, cell] of bases) expect(() => firstStep(() => make(twoLayers(cell)), twoLayers(cell).init(new core.PRNG(1)))).not.toThrow();
  });

  it("a step that is sound for one example but not for a batch is caught on its first batched step", () => {
    // y flattened: [4] for one example, [2 · 4] for a batch of 2
    const flattening: Cell = { ...elman, name: "flattening", step: (p, s, xt) => ({ ...elman.step(p, s, xt), y: reshape(elman.step(p, s, xt).y, [-1]) }) };
    const net = new Network({ inputSize: 3, layers: [{ cell: flattening, hiddenSize: 4 }], outputSize: 2, loss: mse });
    const algo = new Bptt(net);
    algo.begin(net.init(new core.PRNG(1)));
    algo.step(x, target);
    algo.begin(net.init(new core.PRNG(1)));
    expectError(() => algo.step(core.stack([x, x], 0), core.stack([target, target], 0)), ShapeError, "flattening (layer 0): step returned y of shape [8], expected [2,4] ([batch, hiddenSize]");
  });
});

/** `elman` whose `init` gives the state field h one unit too many. */
const wideInit: Cell = {
  ...elman,
  name: "wide-init",
  init: (key, config) => ({ ...elman.init(key, config), state: { h: core.zeros([config.hiddenSize + 1]) } }),
};

const withField = (params: NetworkParams, layer: string, field: string, value: Tensor): NetworkParams => ({ ...params, [layer]: { ...params[layer]!, [field]: value } });

describe("params and state entering an algorithm are checked, naming the layer and field", () => {
  const net = twoLayers(elman);
  const U1 = sound.layer1!.U as core.NDArray;

  for (const [algorithm, make] of makers) {
    it(`${algorithm}: a cell whose init gives a state field of the wrong shape`, () => {
      const bad = twoLayers(wideInit);
      expectError(() => firstStep(() => make(bad), sound), ShapeError, "wide-init (layer 1): init returned state 'h' of shape [5], expected [4] (hiddenSize)");
    });

    it(`${algorithm}: a user state of the wrong shape, with a missing field, or of another dtype`, () => {
      const state = net.initialState();
      const wrongShape = { ...state, layer1: { h: core.zeros([5]) } };
      expectError(() => firstStep(() => make(net), sound, wrongShape), ShapeError, `${algorithm.toLowerCase()}.begin: state 'layer1.h' has shape [5], expected [4] or [batch, 4]`);
      const missing = { ...state, layer1: {} as TensorRecord };
      expectError(() => firstStep(() => make(net), sound, missing), ValueError, "state 'layer1' has fields {}, expected {h} (missing: h)");
      const float32 = { ...state, layer1: { h: core.zeros([4], "float32") } };
      expectError(() => firstStep(() => make(net), sound, float32), DTypeError, "state 'layer1.h' is float32, but the params are float64");
      const raggedBatch = { layer0: { h: core.zeros([2, 4]) }, layer1: { h: core.zeros([3, 4]) } };
      expectError(() => firstStep(() => make(net), sound, raggedBatch), ShapeError, "state 'layer1.h' has shape [3,4], but 'layer0.h' is batched 2");
    });

    it(`${algorithm}: float32 params among float64 ones, and a param of the wrong shape`, () => {
      const mixed = withField(sound, "layer1", "U", core.astype(U1, "float32"));
      expectError(() => firstStep(() => make(net), mixed), DTypeError, `${algorithm.toLowerCase()}.begin: params mix dtypes: 'layer0.W' is float64, 'layer1.U' is float32`);
      const wrongShape = withField(sound, "layer1", "U", core.zeros([4, 5]));
      expectError(() => firstStep(() => make(net), wrongShape), ShapeError, "params 'layer1.U' has shape [4,5], expected [4,4]");
      expectError(() => firstStep(() => make(net), { ...sound, layer2: sound.layer1! }), ValueError, "params hold layers {layer0,layer1,readout,layer2}, expected {layer0,layer1,readout} (extra: layer2)");
    });

    it(`${algorithm}: an input or target of another dtype than the params`, () => {
      const op = `${algorithm.toLowerCase()}.step (t=0)`;
      for (const [xs, ts, what] of [[core.astype(x, "float32"), target, "input x"], [x, core.astype(target, "float32"), "target"]] as const) {
        const algo = make(net);
        algo.begin(sound);
        expectError(() => algo.step(xs, ts), DTypeError, `${op}: ${what} is float32, but the params are float64 (cast with astype: one dtype throughout)`);
      }
    });

    it(`${algorithm}: setParams checks the new params, and keeps the dtype the sequence began with`, () => {
      const algo = make(net);
      algo.begin(sound);
      algo.step(x, target);
      algo.takeGradients();
      const op = `${algorithm.toLowerCase()}.setParams`;
      expectError(() => algo.setParams(withField(sound, "layer1", "b", core.zeros([3]))), ShapeError, `${op}: params 'layer1.b' has shape [3], expected [4]`);
      const float32 = Object.fromEntries(Object.entries(sound).map(([k, r]) => [k, Object.fromEntries(Object.entries(r).map(([f, v]) => [f, core.astype(v as core.NDArray, "float32")]))]));
      expectError(() => algo.setParams(float32), DTypeError, `${op}: params are float32, but the sequence began with float64 params`);
    });
  }

  it("Network.init and initialState name the layer and field of a cell whose init breaks the contract", () => {
    const bad = twoLayers(wideInit);
    expectError(() => bad.init(new core.PRNG(0)), ShapeError, "wide-init (layer 1): init returned state 'h' of shape [5], expected [4]");
    expectError(() => bad.initialState(), ShapeError, "wide-init (layer 1): init returned state 'h' of shape [5], expected [4]");
    const noState: Cell = { ...elman, name: "no-state", init: (key, config) => ({ params: elman.init(key, config).params }) as ReturnType<Cell["init"]> };
    expectError(() => twoLayers(noState).init(new core.PRNG(0)), ValueError, "no-state (layer 1): init must return { params, state }");
  });
});

describe("unknown options and option values are rejected, listing the known ones", () => {
  const net = twoLayers(elman);

  it("OSTL: an unknown approximation or denseImmediate, or a misspelt key", () => {
    expectError(() => new Ostl(net, { approximation: "Diagonal" } as never), ValueError, "ostl: unknown approximation 'Diagonal' (known: none, diagonal)");
    expectError(() => new Ostl(net, { aproximation: "diagonal" } as never), ValueError, "ostl: unknown option 'aproximation' (known: approximation, denseImmediate)");
    expectError(() => new Ostl(net, { denseImmediate: "fwd" } as never), ValueError, "ostl: unknown denseImmediate 'fwd' (known: auto, reverse, forward)");
    expectError(() => analyze(net, { approximation: "diag" } as never), ValueError, "ostl: unknown approximation 'diag'");
    expect(new Ostl(twoLayers(elman), { approximation: "none" }).approximation).toBeNull();
    expect(new Ostl(twoLayers(elman), { approximation: "diagonal" }).approximation).toContain("layers 0, 1");
  });

  it("BPTT and RTRL: a misspelt key", () => {
    expectError(() => new Bptt(net, { windw: 3 } as never), ValueError, "bptt: unknown option 'windw' (known: window)");
    expectError(() => new Rtrl(net, { window: 3 } as never), ValueError, "rtrl: unknown option 'window' (known: none)");
    expectError(() => new Bptt(net, "window" as never), ValueError, "bptt: options must be an object, got string");
  });

  it("Network: a misspelt key in the spec or a layer, a layer without a cell, a loss that is not a function", () => {
    const layers = [{ cell: elman, hiddenSize: 4 }];
    expectError(() => new Network({ inputSize: 3, layers, outputsize: 2, loss: mse } as never), ValueError, "Network: unknown option 'outputsize' (known: inputSize, layers, outputSize, loss)");
    expectError(() => new Network({ inputSize: 3, layers: [{ cell: elman, hidden: 4 }], outputSize: 2, loss: mse } as never), ValueError, "Network layers[0]: unknown option 'hidden' (known: cell, hiddenSize)");
    expectError(() => new Network({ inputSize: 3, layers: [{ cell: "elman", hiddenSize: 4 }], outputSize: 2, loss: mse } as never), ValueError, "Network: layers[0].cell must be a cell { name, init, step }, got string");
    expectError(() => new Network({ inputSize: 3, layers, outputSize: 2, loss: "mse" } as never), ValueError, "Network: loss must be a function (logits, target) => scalar, got string");
  });
});

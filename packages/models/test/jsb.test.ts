import { type NDArray, PRNG, zeros } from "@ostl/core";
import { Network } from "@ostl/ostl";
import { describe, expect, it } from "vitest";
import { DataFileError, evaluate, type JsbChorales, jsbDataset, nextStepExample, parseJsbChorales, PIANO_KEYS, pianoRollFrame, pianoRollPitches, sigmoidCrossEntropy, ssnu } from "@ostl/models";

/** A small synthetic file in the JSB Chorales format (random chords, not the real data). */
function fixture(seed: number, sizes = [5, 2, 3]): JsbChorales {
  const rng = new PRNG(seed);
  const sequence = () => Array.from({ length: 2 + rng.integers(6) }, () => Array.from({ length: rng.integers(5) }, () => 21 + rng.integers(88)));
  const split = (n: number) => Array.from({ length: n }, sequence);
  return { train: split(sizes[0]!), valid: split(sizes[1]!), test: split(sizes[2]!) };
}

describe("piano roll", () => {
  it("sets entry p - 21 for every sounding pitch and round-trips", () => {
    const v = pianoRollFrame([21, 60, 60, 108]);
    expect(v.shape).toEqual([PIANO_KEYS]);
    expect(v.toFlat().reduce((a, b) => a + b)).toBe(3);
    expect([v.get(0), v.get(39), v.get(87)]).toEqual([1, 1, 1]);
    expect(pianoRollPitches(v)).toEqual([21, 60, 108]);
    expect(pianoRollFrame([]).toFlat().every((x) => x === 0)).toBe(true);
  });

  it("rejects pitches outside the piano", () => {
    expect(() => pianoRollFrame([20])).toThrow("pianoRollFrame: pitch 20 is not a piano key (an integer MIDI number in 21..108)");
    expect(() => pianoRollFrame([109])).toThrow("pitch 109");
  });
});

describe("parseJsbChorales on a fixture the test writes", () => {
  const data = fixture(1);
  const text = JSON.stringify(data);

  it("reads the three splits as written", () => {
    const parsed = parseJsbChorales(text, "fixture.json");
    expect(parsed).toEqual(data);
  });

  it("builds next-step examples: inputs frames 0..T-2, targets frames 1..T-1", () => {
    const ds = jsbDataset(parseJsbChorales(text, "fixture.json"));
    expect(ds.train.length).toBe(5);
    ds.train.forEach((ex, i) => {
      const seq = data.train[i]!;
      expect(ex.inputs.length).toBe(seq.length - 1);
      ex.inputs.forEach((x, t) => {
        expect(pianoRollPitches(x)).toEqual([...new Set(seq[t])].sort((a, b) => a - b));
        expect(pianoRollPitches(ex.targets[t]!)).toEqual([...new Set(seq[t + 1])].sort((a, b) => a - b));
      });
    });
    const frames = [[60], [62]].map(pianoRollFrame);
    expect(nextStepExample(frames).targets[0]).toBe(frames[1]);
  });

  it("scores NLL per time step: 88 log 2 for a network whose logits are all 0", () => {
    const ds = jsbDataset(data);
    const net = new Network({ inputSize: 88, layers: [{ cell: ssnu(), hiddenSize: 4 }], outputSize: 88, loss: sigmoidCrossEntropy });
    const params = net.init(new PRNG(0));
    const zero = { ...params, readout: { W: zeros([88, 4]), b: zeros([88]) } };
    expect(evaluate(net, zero, ds.test)).toBeCloseTo(88 * Math.log(2), 12);
  });

  it("gives the same NLL whatever the evaluation batch size (padding is masked)", () => {
    const ds = jsbDataset(fixture(2, [1, 1, 9]));
    const net = new Network({ inputSize: 88, layers: [{ cell: ssnu(), hiddenSize: 6 }], outputSize: 88, loss: sigmoidCrossEntropy });
    const params = net.init(new PRNG(3));
    const one = evaluate(net, params, ds.test, 1);
    // by hand: sum over every step of every sequence, divided by the number of steps
    let total = 0;
    let steps = 0;
    for (const ex of ds.test) {
      let state = net.initialState();
      ex.inputs.forEach((x, t) => {
        const out = net.step(params, state, x);
        state = out.state;
        total += (sigmoidCrossEntropy(out.logits, ex.targets[t]!) as NDArray).item();
        steps++;
      });
    }
    expect(one).toBeCloseTo(total / steps, 12);
    expect(evaluate(net, params, ds.test, 4)).toBeCloseTo(one, 12);
    expect(evaluate(net, params, ds.test, 64)).toBeCloseTo(one, 12);
  });
});

describe("malformed JSB Chorales files", () => {
  const good = fixture(3);
  const cases: [string, string, string][] = [
    ["not JSON", "{train: ", "bad.json: is not valid JSON ("],
    ["not an object", "[1, 2]", "bad.json: must be a JSON object with fields 'train', 'valid' and 'test', got a list"],
    ["a missing split", JSON.stringify({ train: good.train, test: good.test }), "bad.json: field 'valid' is missing"],
    ["an empty split", JSON.stringify({ ...good, test: [] }), "bad.json: field 'test' must be a non-empty list of sequences, got an empty list"],
    ["a sequence of one step", JSON.stringify({ ...good, train: [[[60]]] }), "bad.json: field 'train[0]' must be a list of at least 2 time steps, got 1"],
    ["a step that is not a list", JSON.stringify({ ...good, valid: [[[60], 61]] }), "bad.json: field 'valid[0][1]' must be a list of MIDI pitches, got 61"],
    ["a pitch below the piano", JSON.stringify({ ...good, train: [[[60], [62, 12]]] }), "bad.json: field 'train[0][1][1]' must be an integer MIDI pitch in 21..108, got 12"],
    ["a fractional pitch", JSON.stringify({ ...good, test: [[[60.5], [62]]] }), "field 'test[0][0][0]' must be an integer MIDI pitch in 21..108, got 60.5"],
    ["a string pitch", JSON.stringify({ ...good, test: [[["60"], [62]]] }), 'field \'test[0][0][0]\' must be an integer MIDI pitch in 21..108, got "60"'],
  ];
  it.each(cases)("%s: a DataFileError naming the file and the field", (_what, text, message) => {
    let error: unknown;
    try {
      parseJsbChorales(text, "bad.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as DataFileError).file).toBe("bad.json");
    expect((error as Error).message).toContain(message);
  });
});

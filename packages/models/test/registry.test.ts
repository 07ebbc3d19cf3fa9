import { describe, expect, it } from "vitest";
import { grad, sum, type Tensor } from "@ostl/autodiff";
import { activation, CELL_SUMMARIES, cellByName, cells, checkOptions, leakyRelu } from "@ostl/models";
import { tensor } from "@ostl/core";
import { flat } from "./helpers.js";

describe("cell registry", () => {
  it("knows the seven built-in cells and builds them with options", () => {
    expect(Object.keys(cells)).toEqual(["rnn", "lstm", "gru", "snu", "ssnu", "rsnu", "rssnu"]);
    expect(Object.keys(CELL_SUMMARIES)).toEqual(Object.keys(cells));
    expect(cellByName("rsnu", { decay: 0.5 }).name).toBe("rsnu");
    expect(cellByName("rssnu").name).toBe("rssnu");
    expect(() => cellByName("rsnu", { recurrent: false })).toThrow("rsnu: unknown option 'recurrent' (rsnu is always recurrent; the non-recurrent cell is snu)");
    expect(cellByName("rnn").name).toBe("rnn");
    expect(cellByName("lstm").name).toBe("lstm");
    expect(cellByName("gru").name).toBe("gru");
    expect(cellByName("gru", { variant: "reset-before" }).name).toBe("gru-reset-before");
    expect(cellByName("snu").name).toBe("snu");
    expect(cellByName("snu", { recurrent: true }).name).toBe("rsnu");
    expect(cellByName("ssnu", { recurrent: true }).name).toBe("rssnu");
  });

  it("names the known cells for an unknown name, and rejects options a cell does not take", () => {
    expect(() => cellByName("transformer")).toThrow("cellByName: unknown cell 'transformer' (known: rnn, lstm, gru, snu, ssnu, rsnu, rssnu)");
    expect(() => cellByName("toString")).toThrow(/unknown cell 'toString'/);
    expect(() => cellByName("lstm", { hidden: 3 })).toThrow("lstm: unknown option 'hidden' (known: none)");
    expect(() => cellByName("gru", { recurrent: true })).toThrow("gru: unknown option 'recurrent' (known: variant)");
  });

  it("checkOptions rejects a non-object", () => {
    expect(() => checkOptions("snu", [] as never, [])).toThrow("snu: options must be an object, got an array");
    expect(() => checkOptions("snu", null as never, [])).toThrow("snu: options must be an object, got null");
  });
});

describe("activations", () => {
  it("identity, relu (0 at 0) and leakyRelu", () => {
    const x = tensor([-2, 0, 3]);
    expect(flat(activation("identity")(x))).toEqual([-2, 0, 3]);
    expect(flat(activation("relu")(x))).toEqual([0, 0, 3]);
    expect(flat(activation("leakyRelu", 0.5)(x))).toEqual([-1, 0, 3]);
    expect(() => activation("swish" as never)).toThrow("activation: unknown activation 'swish' (known: identity, relu, leakyRelu)");
  });
});

describe("activation derivatives", () => {
  it("relu'(0) = 0 (as the reference data defines it); leakyRelu' = slope below 0, 1 above", () => {
    expect(flat(grad((x: Tensor) => sum(activation("relu")(x)))(tensor([-1, 0, 2])))).toEqual([0, 0, 1]);
    expect(flat(grad((x: Tensor) => sum(leakyRelu(x, 0.3)))(tensor([-1, 0, 2])))).toEqual([0.3, 0.3, 1]);
  });
});

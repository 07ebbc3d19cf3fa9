/**
 * JSB Chorales (Boulanger-Lewandowski et al., ICML 2012): 382 four-part Bach chorales at
 * quarter-note resolution, split 229 / 76 / 77. The file is a JSON object
 * `{ "train": [...], "valid": [...], "test": [...] }`; each sequence is a list of time steps and
 * each time step a list of sounding MIDI pitches (21..108). The task is next-step prediction of
 * the 88-key piano roll, scored by the frame-level negative log-likelihood per time step.
 *
 * The data are third-party: this module parses text it is given; reading files and downloading
 * are left to the caller (the `ostl` command line).
 *
 * @module
 */
import type { NDArray } from "@ostl/core";
import type { Dataset, SequenceExample } from "./dataset.js";
import { z } from "zod";
import { mustBe, readJson } from "../json-input.js";
import { DataFileError } from "./error.js";
import { LOWEST_KEY, PIANO_KEYS, pianoRollFrame } from "./piano-roll.js";

/**
 * Where the quarter-note JSON version of the data is published, its file name and SHA-256.
 *
 * @example
 * ```ts
 * import { JSB_CHORALES_SOURCE } from "@ostl/models";
 * console.log(JSB_CHORALES_SOURCE.fileName); // jsb-chorales-quarter.json
 * ```
 */
export const JSB_CHORALES_SOURCE = {
  url: "https://raw.githubusercontent.com/czhuang/JSB-Chorales-dataset/master/jsb-chorales-quarter.json",
  fileName: "jsb-chorales-quarter.json",
  sha256: "2db9329f1881a1d3f49703ec556bf1d6f84b4f6c1d702c156536e93cf31e1c91",
} as const;

/**
 * The three splits as they are in the file: sequences of time steps of MIDI pitches.
 *
 * @example
 * ```ts
 * import { jsbDataset, type JsbChorales } from "@ostl/models";
 * const tiny: JsbChorales = { train: [[[60, 64], [62], []]], valid: [[[60], [60]]], test: [[[72], [71]]] };
 * console.log(jsbDataset(tiny).train[0]!.inputs.length); // 2
 * ```
 */
export interface JsbChorales {
  readonly train: readonly (readonly (readonly number[])[])[];
  readonly valid: readonly (readonly (readonly number[])[])[];
  readonly test: readonly (readonly (readonly number[])[])[];
}

const describe = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? (v.length === 0 ? "an empty list" : "a list") : typeof v === "string" ? JSON.stringify(v) : typeof v === "object" ? "an object" : String(v));

const PITCH = mustBe(`an integer MIDI pitch in ${LOWEST_KEY}..${LOWEST_KEY + PIANO_KEYS - 1}`, describe);
const STEPS = "a list of at least 2 time steps";
const SEQUENCES = mustBe("a non-empty list of sequences", describe);
const split = z
  .array(
    z
      .array(z.array(z.int(PITCH).min(LOWEST_KEY, PITCH).max(LOWEST_KEY + PIANO_KEYS - 1, PITCH), mustBe("a list of MIDI pitches", describe)), mustBe(STEPS, describe))
      .min(2, mustBe(STEPS, (seq) => String((seq as unknown[]).length))),
    SEQUENCES,
  )
  .min(1, SEQUENCES)
  .describe("A split: sequences of time steps, each time step the MIDI pitches sounding then.");

/**
 * The zod schema of a JSB Chorales file: `train`, `valid` and `test`, each a non-empty list of
 * sequences, every sequence a list of at least two time steps (next-step prediction needs a
 * pair), every time step a list of integer MIDI pitches in 21..108. Other fields are ignored.
 *
 * @example
 * ```ts
 * import { jsbChoralesSchema } from "@ostl/models";
 * console.log(jsbChoralesSchema.safeParse({ train: [[[60, 64], [62]]], valid: [[[60], [62]]], test: [[[67], []]] }).success); // true
 * const { error } = jsbChoralesSchema.safeParse({ train: [[[60], [62, 12]]], valid: [[[60], [62]]], test: [[[67], []]] });
 * console.log(error?.issues[0]?.path, error?.issues[0]?.message); // ["train", 0, 1, 1] must be an integer MIDI pitch in 21..108, got 12
 * ```
 */
export const jsbChoralesSchema = z
  .object({ train: split, valid: split, test: split }, mustBe("a JSON object with fields 'train', 'valid' and 'test'", describe))
  .describe("The JSB Chorales at quarter-note resolution (Boulanger-Lewandowski et al., ICML 2012).");

/**
 * Parses and validates the text of a JSB Chorales file with {@link jsbChoralesSchema}.
 *
 * @throws {@link DataFileError} naming the file and the field, e.g.
 *   `jsb.json: field 'train[3][17][2]' must be an integer MIDI pitch in 21..108, got 12`.
 * @example
 * ```ts
 * import { parseJsbChorales } from "@ostl/models";
 * const text = JSON.stringify({ train: [[[60, 64], [62]]], valid: [[[60], [62]]], test: [[[67], []]] });
 * const data = parseJsbChorales(text, "tiny.json");
 * console.log(data.train[0]!.length); // 2
 * ```
 */
export function parseJsbChorales(text: string, fileName: string): JsbChorales {
  return readJson(jsbChoralesSchema, text, (problem) => {
    throw new DataFileError(fileName, problem);
  });
}

/**
 * Next-step prediction over a sequence of frames: inputs are frames `0 .. T-2`, targets frames
 * `1 .. T-1` (the same arrays, not copies).
 *
 * @example
 * ```ts
 * import { nextStepExample, pianoRollFrame } from "@ostl/models";
 * const frames = [[60], [62], [64]].map(pianoRollFrame);
 * const ex = nextStepExample(frames);
 * console.log(ex.inputs.length, ex.targets[0] === frames[1]); // 2 true
 * ```
 */
export function nextStepExample(frames: readonly NDArray[]): SequenceExample {
  return { inputs: frames.slice(0, -1), targets: frames.slice(1) };
}

/**
 * The JSB Chorales as a {@link Dataset}: 88-key piano rolls in, the next step's piano roll as
 * the multi-label target, scored by sigmoid cross-entropy summed over the 88 keys (the
 * frame-level NLL of one step); a split's figure is its mean over all the split's steps.
 *
 * @example
 * ```ts
 * import { jsbDataset } from "@ostl/models";
 * const data = jsbDataset({ train: [[[60, 64], [62], []]], valid: [[[60], [60]]], test: [[[72], [71]]] });
 * console.log(data.inputSize, data.loss, data.train[0]!.inputs.length); // 88 sigmoidCrossEntropy 2
 * ```
 */
export function jsbDataset(chorales: JsbChorales): Dataset {
  const examples = (split: keyof JsbChorales) => chorales[split].map((seq) => nextStepExample(seq.map(pianoRollFrame)));
  return {
    name: "jsb",
    inputSize: PIANO_KEYS,
    outputSize: PIANO_KEYS,
    loss: "sigmoidCrossEntropy",
    metric: "NLL per time step (sigmoid cross-entropy summed over the 88 keys)",
    train: examples("train"),
    valid: examples("valid"),
    test: examples("test"),
  };
}

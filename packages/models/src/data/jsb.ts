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
import { DataFileError } from "./error.js";
import { isPianoKey, LOWEST_KEY, PIANO_KEYS, pianoRollFrame } from "./piano-roll.js";

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

const SPLITS = ["train", "valid", "test"] as const;

const describe = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? (v.length === 0 ? "an empty list" : "a list") : typeof v === "string" ? JSON.stringify(v) : typeof v === "object" ? "an object" : String(v));

/**
 * Parses and validates the text of a JSB Chorales file. Every split must be a non-empty list of
 * sequences, every sequence a list of at least two time steps (next-step prediction needs a
 * pair), every time step a list of integer MIDI pitches in 21..108.
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
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataFileError(fileName, `not valid JSON (${(error as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new DataFileError(fileName, `must hold a JSON object with fields 'train', 'valid' and 'test', got ${describe(json)}`);
  const record = json as Record<string, unknown>;
  for (const split of SPLITS) {
    const sequences = record[split];
    if (sequences === undefined) throw new DataFileError(fileName, `field '${split}' is missing (a JSB Chorales file has 'train', 'valid' and 'test')`);
    if (!Array.isArray(sequences) || sequences.length === 0) throw new DataFileError(fileName, `field '${split}' must be a non-empty list of sequences, got ${describe(sequences)}`);
    sequences.forEach((seq: unknown, i) => {
      const field = `${split}[${i}]`;
      if (!Array.isArray(seq) || seq.length < 2) throw new DataFileError(fileName, `field '${field}' must be a list of at least 2 time steps, got ${Array.isArray(seq) ? `${seq.length}` : describe(seq)}`);
      seq.forEach((frame: unknown, t) => {
        if (!Array.isArray(frame)) throw new DataFileError(fileName, `field '${field}[${t}]' must be a list of MIDI pitches, got ${describe(frame)}`);
        frame.forEach((p: unknown, k) => {
          if (!isPianoKey(p)) throw new DataFileError(fileName, `field '${field}[${t}][${k}]' must be an integer MIDI pitch in ${LOWEST_KEY}..${LOWEST_KEY + PIANO_KEYS - 1}, got ${describe(p)}`);
        });
      });
    });
  }
  return { train: record.train as JsbChorales["train"], valid: record.valid as JsbChorales["valid"], test: record.test as JsbChorales["test"] };
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
  const examples = (split: (typeof SPLITS)[number]) => chorales[split].map((seq) => nextStepExample(seq.map(pianoRollFrame)));
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

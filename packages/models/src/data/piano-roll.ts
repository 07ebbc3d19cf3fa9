/**
 * The 88-key piano roll: a time step's sounding MIDI pitches as a 0/1 vector over the keys of a
 * piano, A0 (MIDI 21) to C8 (MIDI 108).
 *
 * @module
 */
import { fromTyped, type NDArray, ValueError } from "@ostl/core";

/**
 * MIDI number of the lowest piano key (A0).
 *
 * @example
 * ```ts
 * import { LOWEST_KEY } from "@ostl/models";
 * console.log(LOWEST_KEY); // 21
 * ```
 */
export const LOWEST_KEY = 21;

/**
 * Number of piano keys (MIDI 21..108).
 *
 * @example
 * ```ts
 * import { PIANO_KEYS } from "@ostl/models";
 * console.log(PIANO_KEYS); // 88
 * ```
 */
export const PIANO_KEYS = 88;

/**
 * Whether `pitch` is the MIDI number of a piano key (an integer in 21..108).
 *
 * @example
 * ```ts
 * import { isPianoKey } from "@ostl/models";
 * console.log(isPianoKey(60), isPianoKey(12), isPianoKey(60.5)); // true false false
 * ```
 */
export function isPianoKey(pitch: unknown): pitch is number {
  return typeof pitch === "number" && Number.isInteger(pitch) && pitch >= LOWEST_KEY && pitch < LOWEST_KEY + PIANO_KEYS;
}

/**
 * One time step as an 88-entry 0/1 vector: entry `p - 21` is 1 for every sounding pitch `p`
 * (a pitch listed twice is still 1; an empty list is silence).
 *
 * @throws {@link ValueError} for a pitch that is not a piano key.
 * @example
 * ```ts
 * import { pianoRollFrame } from "@ostl/models";
 * const v = pianoRollFrame([21, 60, 108]);
 * console.log(v.shape, v.get(0), v.get(39), v.get(87)); // [88] 1 1 1
 * ```
 */
export function pianoRollFrame(pitches: readonly number[]): NDArray {
  const out = new Float64Array(PIANO_KEYS);
  for (const p of pitches) {
    if (!isPianoKey(p)) throw new ValueError("pianoRollFrame", `pitch ${String(p)} is not a piano key (an integer MIDI number in ${LOWEST_KEY}..${LOWEST_KEY + PIANO_KEYS - 1})`);
    out[p - LOWEST_KEY] = 1;
  }
  return fromTyped(out, [PIANO_KEYS]);
}

/**
 * The sounding pitches of a piano-roll vector (entries > 0.5), lowest first: the inverse of
 * {@link pianoRollFrame}.
 *
 * @example
 * ```ts
 * import { pianoRollFrame, pianoRollPitches } from "@ostl/models";
 * console.log(pianoRollPitches(pianoRollFrame([64, 60]))); // [60, 64]
 * ```
 */
export function pianoRollPitches(frame: NDArray): number[] {
  return frame.toFlat().flatMap((v, k) => (v > 0.5 ? [k + LOWEST_KEY] : []));
}

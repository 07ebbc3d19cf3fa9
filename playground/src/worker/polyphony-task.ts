/**
 * Synthetic polyphonic sequences: a small stand-in for JSB Chorales, generated from a seed. Each
 * sequence walks a chord progression (I, IV, V, vi of C major, the next chord drawn from a
 * fixed transition table), every chord held for two frames, with a melody note on top drawn from
 * the chord's notes an octave up. Frames are multi-hot over 24 keys; the task is next-frame
 * prediction, scored by sigmoid cross-entropy, as for JSB.
 */
import { fromTyped, PRNG } from "@ostl/core";
import { type Dataset, generateSplits, type SequenceExample } from "@ostl/models";

/** Keys of a frame: two octaves from C. */
const KEYS = 24;
/** The chords, as pitch classes from C: C major, F major, G major, A minor. */
const CHORDS = [
  [0, 4, 7],
  [5, 9, 0],
  [7, 11, 2],
  [9, 0, 4],
] as const;
/** Probability of moving from chord i to chord j (rows sum to 1). */
const TRANSITIONS = [
  [0.1, 0.4, 0.4, 0.1],
  [0.4, 0.1, 0.4, 0.1],
  [0.6, 0.1, 0.1, 0.2],
  [0.2, 0.4, 0.3, 0.1],
] as const;
/** Frames per sequence and frames each chord is held. */
const FRAMES = 16;
const HOLD = 2;

/** Index `i` drawn with the probabilities `p`. */
function draw(key: PRNG, p: readonly number[]): number {
  let u = key.next();
  for (let i = 0; i < p.length - 1; i++) {
    u -= p[i]!;
    if (u < 0) return i;
  }
  return p.length - 1;
}

/** One frame: the chord's notes in the low octave, the melody note in the high one. */
function frame(chord: readonly number[], melody: number): Float64Array {
  const keys = new Float64Array(KEYS);
  for (const pitch of chord) keys[pitch] = 1;
  keys[12 + melody] = 1;
  return keys;
}

/** One sequence: FRAMES + 1 frames, each frame the input and the next one its target. */
function sequence(key: PRNG): SequenceExample {
  const frames: Float64Array[] = [];
  let chord = draw(key, [0.25, 0.25, 0.25, 0.25]);
  while (frames.length <= FRAMES) {
    const notes = CHORDS[chord]!;
    for (let h = 0; h < HOLD && frames.length <= FRAMES; h++) frames.push(frame(notes, notes[Math.floor(key.next() * notes.length)]!));
    chord = draw(key, TRANSITIONS[chord]!);
  }
  const array = (f: Float64Array) => fromTyped(f, [KEYS]);
  return { inputs: frames.slice(0, FRAMES).map(array), targets: frames.slice(1).map(array) };
}

/** The polyphony data set: `examples` sequences per split [train, valid, test]. */
export function polyphonyTask(examples: readonly [number, number, number], seed: number): Dataset {
  return {
    name: "polyphony",
    inputSize: KEYS,
    outputSize: KEYS,
    loss: "sigmoidCrossEntropy",
    metric: "sigmoid cross-entropy per frame, summed over the 24 keys (next-frame prediction)",
    ...generateSplits("polyphony", examples, new PRNG(seed), sequence),
  };
}

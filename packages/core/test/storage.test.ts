import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";

describe("storage of small arrays", () => {
  it("carves arrays of 9 to 512 float64 elements from shared slabs, zero-filled and disjoint", () => {
    const arrays = Array.from({ length: 200 }, (_, i) => core.zeros([9 + ((i * 37) % 504)]));
    for (const a of arrays) {
      expect(a.data.buffer.byteLength).toBe(1 << 16);
      expect(a.data.byteOffset % 16).toBe(0);
      expect(a.data.every((v) => v === 0)).toBe(true);
      a.data.fill(1);
    }
    // every region is handed out once: writing all of them changed no other array's size or values
    expect(arrays.every((a) => a.data.every((v) => v === 1))).toBe(true);
    const bySlab = new Map<ArrayBufferLike, [number, number][]>();
    for (const a of arrays) bySlab.set(a.data.buffer, [...(bySlab.get(a.data.buffer) ?? []), [a.data.byteOffset, a.data.byteOffset + a.data.byteLength]]);
    for (const ranges of bySlab.values()) {
      ranges.sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
    }
  });

  it("gives arrays of 8 elements or fewer, and of more than 512, buffers of their own", () => {
    for (const [size, dtype] of [[8, "float64"], [513, "float64"], [16, "float32"], [1025, "float32"]] as const) {
      const a = core.zeros([size], dtype);
      expect(a.data.buffer.byteLength).toBe(size * a.data.BYTES_PER_ELEMENT);
    }
    expect(core.zeros([17], "float32").data.buffer.byteLength).toBe(1 << 16);
  });

  it("kernels see distinct carved arrays as not overlapping, and a view of one as overlapping it", () => {
    const [a, b] = [core.arange(0, 100), core.arange(100, 200)];
    expect(a.data.buffer).toBe(b.data.buffer);
    const out = core.zeros([100]);
    core.kernels.add(out, a, b);
    expect(out.toFlat()).toEqual(a.toFlat().map((v, i) => v + b.toFlat()[i]!));
    // a shifted view over a's own elements: the kernel must read each input before it is overwritten
    const wide = core.arange(0, 20);
    const head = core.fromTyped(wide.data.subarray(0, 10), [10]);
    const tail = core.fromTyped(wide.data.subarray(1, 11), [10]);
    core.kernels.add(tail, head, head);
    expect(tail.toFlat()).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it("converts a source into a carved array", () => {
    const x = core.astype(core.tensor([0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9], { dtype: "float32" }), "float64");
    expect(x.toFlat()).toEqual([0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(x.data.buffer.byteLength).toBe(1 << 16);
  });
});

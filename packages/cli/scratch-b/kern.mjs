import { FunctionBuilder, valueType as T, wasmModule } from "../../core/dist/index.js";
import { ProgramProducts } from "../../autodiff/dist/index.js";
const { i32, v128 } = T;
// specialized rows kernel: constant k, pairs; addresses constant; 4 pairs per block, offsets as memarg immediates
function specialized(aAt, bAt, oAt, pairs, k) {
  const f = new FunctionBuilder([]);
  const pa = f.local(i32), pb = f.local(i32), o = f.local(i32), q = f.local(i32);
  const s = [0,1,2,3].map(() => f.local(v128)); const x = f.local(v128);
  const pairBytes = 16 * k;
  f.i32(aAt).set(pa); f.i32(oAt).set(o); f.i32(0).set(q);
  const quads = pairs & ~3;
  f.block(() => f.loop(() => {
    f.get(q).i32(quads).geU().brIf(1);
    for (const sr of s) f.v128Zero().set(sr);
    f.i32(bAt).set(pb);
    f.block(() => f.loop(() => {
      f.get(pb).i32(bAt + 8 * k).geU().brIf(1);
      f.get(pb).f64x2LoadSplat().set(x);
      for (let r = 0; r < 4; r++) f.get(s[r]).get(pa).v128Load(r * pairBytes).get(x).f64x2Mul().f64x2Add().set(s[r]);
      f.get(pa).i32(16).add().set(pa);
      f.get(pb).i32(8).add().set(pb);
      f.br(0);
    }));
    s.forEach((sr, r) => f.get(o).get(sr).v128Store(16 * r));
    f.get(pa).i32(3 * pairBytes).add().set(pa);
    f.get(o).i32(64).add().set(o);
    f.get(q).i32(4).add().set(q);
    f.br(0);
  }));
  return f;
}
for (const [n, k] of [[150, 150], [150, 88], [600, 238]]) {
  const pp = ProgramProducts.create([{ layout: "rows", n, k, matrix: 0 }], [{ layout: "rows", rows: n, cols: k }]);
  const A = new Float64Array(n * k).map((_, i) => Math.sin(i)); const b = new Float64Array(k).map((_, i) => Math.cos(i)); const out = new Float64Array(n);
  pp.matrix(0).hold(A, A, 0);
  const run = pp.product(0);
  // specialized: its own memory with same layout
  const pairs = Math.ceil(n / 2);
  const aBytes = pairs * 2 * k * 8, bAt = aBytes, oAt = bAt + Math.ceil(k / 2) * 16;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((oAt + pairs * 16) / 65536) + 1 });
  const f = specialized(0, bAt, oAt, pairs, k);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(wasmModule([f], ["mv"])), { env: { memory } });
  const cp = new Float64Array(memory.buffer, 0, pairs * 2 * k);
  for (let i = 0; i < n; i++) for (let p = 0; p < k; p++) cp[(i >> 1) * 2 * k + 2 * p + (i & 1)] = A[i * k + p];
  new Float64Array(memory.buffer, bAt, k).set(b);
  const mv = inst.exports.mv;
  const reps = Math.round(2e8 / (n * k));
  for (let round = 0; round < 3; round++) {
    let t = performance.now(); for (let r = 0; r < reps; r++) run(b, 0, out, 0); const t1 = (performance.now() - t) / reps;
    t = performance.now(); for (let r = 0; r < reps; r++) mv(); const t2 = (performance.now() - t) / reps;
    console.log(n, k, "generic", (t1 * 1e6 / (n * k)).toFixed(3), "specialized (no copies)", (t2 * 1e6 / (n * k)).toFixed(3), "ns/FMA");
  }
}

/**
 * Counts the typed-array buffers (Float64Array, Float32Array) constructed while a function runs,
 * by swapping the global constructors for counting proxies: core's `allocate` and every
 * `new Float64Array(...)` go through them.
 */
export function countBuffers(body: () => void): number {
  const native = { f64: globalThis.Float64Array, f32: globalThis.Float32Array };
  let count = 0;
  const counting = <T extends object>(ctor: T) =>
    new Proxy(ctor as unknown as new (...a: unknown[]) => object, {
      construct: (target, a, newTarget) => {
        count++;
        return Reflect.construct(target, a, newTarget === counting ? target : newTarget);
      },
    }) as unknown as T;
  globalThis.Float64Array = counting(native.f64);
  globalThis.Float32Array = counting(native.f32);
  try {
    body();
  } finally {
    globalThis.Float64Array = native.f64;
    globalThis.Float32Array = native.f32;
  }
  return count;
}

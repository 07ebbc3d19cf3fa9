import { vi } from "vitest";

/**
 * Collects what a command prints (stdout and console.log into `out`, stderr and console.error into
 * `err`), so tests can assert on it; restore with `vi.restoreAllMocks()`.
 */
export function captureOutput() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(`${a.join(" ")}\n`));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(`${a.join(" ")}\n`));
  return { out, err, stdout: () => out.join(""), stderr: () => err.join("") };
}

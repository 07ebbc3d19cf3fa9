import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

const packages = ["core", "autodiff", "ostl", "models", "cli"];

export default defineConfig({
  ssr: { resolve: { conditions: ["source"] } },
  resolve: { conditions: ["source"] },
  test: {
    // vitest runs max(cpus - 1, 1) files at a time: one on a 2-core machine; the test files are
    // independent processes, so use every core
    maxWorkers: Math.max(availableParallelism(), 1),
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, include: [`packages/${name}/test/**/*.test.ts`] },
      })),
      { extends: true as const, test: { name: "playground", include: ["playground/test/**/*.test.ts"] } },
    ],
  },
});

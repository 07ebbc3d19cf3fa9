import { defineConfig } from "vitest/config";

const packages = ["core", "autodiff", "ostl", "models", "cli"];

export default defineConfig({
  ssr: { resolve: { conditions: ["source"] } },
  resolve: { conditions: ["source"] },
  test: {
    projects: packages.map((name) => ({
      extends: true,
      test: { name, include: [`packages/${name}/test/**/*.test.ts`] },
    })),
  },
});

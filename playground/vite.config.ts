/**
 * Builds the playground as a static site: the page and the cell worker (an ES module worker),
 * the `@ostl/*` packages taken from their TypeScript sources (the `source` export condition), so
 * the site builds without building the packages first.
 */
import { defaultClientConditions, defineConfig } from "vite";

export default defineConfig({
  base: "./",
  resolve: { conditions: ["source", ...defaultClientConditions] },
  worker: { format: "es" },
  build: { outDir: "dist", target: "es2022", chunkSizeWarningLimit: 4000 },
});

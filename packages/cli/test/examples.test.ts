/**
 * Runs every `@example` of the TSDoc in `src/` and checks its printed output against its
 * comments, and requires an example on every export (see test-support/examples.ts).
 */
import { chromiumPath } from "@ostl/cli";
import { exampleSuite } from "../../../test-support/examples.js";

exampleSuite(import.meta.url, {
  minExamples: 70,
  minExports: 75,
  skip: {
    // inspectPage launches Chromium; without one (apt-get install -y chromium) its examples cannot run
    ...(chromiumPath() === null ? { "src/browser.ts": "no Chromium on this machine" } : {}),
  },
  timeout: 60_000,
  readme: true,
});

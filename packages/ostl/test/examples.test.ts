/**
 * Runs every `@example` of the TSDoc in `src/` and checks its printed output against its
 * comments, and requires an example on every export (see test-support/examples.ts).
 */
import { exampleSuite } from "../../../test-support/examples.js";

exampleSuite(import.meta.url, { minExamples: 45, minExports: 50, readme: true });

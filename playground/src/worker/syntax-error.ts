/**
 * Where a syntax error is. Sucrase, which strips the types, backtracks out of an arrow function
 * that does not parse and reports its error at the arrow's opening parenthesis: the start of the
 * whole `step`. Babel's parser reports the offending token, so when sucrase fails the module is
 * parsed again by Babel, loaded only then (it is not part of the page's first load).
 */

/** A syntax error's message (without its position) and its 1-based line and column. */
export interface SyntaxErrorPlace {
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

/** The first syntax error Babel finds in the TypeScript module `source`, or null when it parses. */
export async function findSyntaxError(source: string): Promise<SyntaxErrorPlace | null> {
  const { parse } = await import("@babel/parser");
  try {
    parse(source, { sourceType: "module", plugins: ["typescript"] });
    return null;
  } catch (error) {
    const loc = (error as { loc?: { line: number; column: number } }).loc;
    if (loc === undefined) throw error;
    // Babel's column is 0-based
    return { message: (error as Error).message.replace(/\s*\(\d+:\d+\)\s*$/, ""), line: loc.line, column: loc.column + 1 };
  }
}

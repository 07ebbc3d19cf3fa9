/**
 * The site's search index, built at build time with minisearch over every page (its title,
 * headings and text) and written as a script, `search-index.js`, that the search box (search.js)
 * loads on first use. A script rather than a JSON file: a page opened from disk (a file: URL)
 * may load a script but may not fetch a file.
 */
import MiniSearch, { type Options } from "minisearch";

/** What the index knows of a page: its path in the site and what a reader may search for. */
export interface SearchDocument {
  /** Path from the site root, e.g. `guides/getting-started.html`. */
  readonly id: string;
  readonly title: string;
  /** The page's headings, joined. */
  readonly headings: string;
  readonly text: string;
}

/**
 * The index's options, written into the index script so that the search box loads the index
 * with the options it was built with: titles weigh most, then headings; a query matches
 * prefixes of words and words one letter in five away.
 */
export const SEARCH_OPTIONS: Options<SearchDocument> = {
  fields: ["title", "headings", "text"],
  storeFields: ["title"],
  searchOptions: { boost: { title: 4, headings: 2 }, prefix: true, fuzzy: 0.2 },
};

/** The name of the global the index script sets: `{ options, index }`. */
export const SEARCH_GLOBAL = "ostlSearchIndex";

/** The search index of the given pages. */
export function searchIndex(documents: readonly SearchDocument[]): MiniSearch<SearchDocument> {
  const index = new MiniSearch(SEARCH_OPTIONS);
  index.addAll(documents);
  return index;
}

/** The index as the script the site serves: it sets {@link SEARCH_GLOBAL} to the options and the index. */
export function searchIndexScript(index: MiniSearch<SearchDocument>): string {
  return `globalThis.${SEARCH_GLOBAL} = ${JSON.stringify({ options: SEARCH_OPTIONS, index })};\n`;
}

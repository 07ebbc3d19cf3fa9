/**
 * The share link: the cell's source in the URL's fragment (`#cell=` and the UTF-8 source in
 * base64url), so a link carries the cell and no server sees it.
 */
const PREFIX = "#cell=";

/** The link to this page with `source` as its cell. */
export function shareLink(source: string, page: string): string {
  const bytes = new TextEncoder().encode(source);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const encoded = btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${page.replace(/#.*$/, "")}${PREFIX}${encoded}`;
}

/** The source a link's fragment carries, or null when it carries none. @throws when the fragment is not a valid encoding. */
export function sharedSource(hash: string): string | null {
  if (!hash.startsWith(PREFIX)) return null;
  const encoded = hash.slice(PREFIX.length).replace(/-/g, "+").replace(/_/g, "/");
  let binary: string;
  try {
    binary = atob(encoded);
  } catch {
    throw new Error("the link's cell is not valid base64url: it may have been cut short");
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/**
 * The search box of every page of the documentation site (copied to docs/site/search-box.js).
 * On first use it loads minisearch (minisearch.js) and the index built with the site
 * (search-index.js, which sets globalThis.ostlSearchIndex, see search.ts), then lists the pages
 * that match what is typed, best first; Enter opens the first one. Both are loaded as scripts, so
 * search works for a site served over http and for one opened from disk.
 */
(() => {
  const input = document.getElementById("search");
  const results = document.getElementById("search-results");
  const root = input.dataset.root;
  let engine = null;

  const loadScript = (name) =>
    new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = root + name;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`search: could not load ${name}`));
      document.head.append(script);
    });

  const searchEngine = () => {
    engine ??= Promise.all([loadScript("minisearch.js"), loadScript("search-index.js")]).then(() => {
      const { options, index } = globalThis.ostlSearchIndex;
      return globalThis.MiniSearch.loadJS(index, options);
    });
    return engine;
  };

  const resultItem = (hit) => {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = root + hit.id;
    link.textContent = hit.title;
    const path = document.createElement("span");
    path.className = "path";
    path.textContent = hit.id;
    item.append(link, path);
    return item;
  };

  const show = async () => {
    const query = input.value.trim();
    const hits = query.length < 2 ? null : (await searchEngine()).search(query).slice(0, 20);
    if (input.value.trim() !== query) return; // a newer query is being answered
    results.hidden = hits === null;
    if (hits === null) return results.replaceChildren();
    const none = document.createElement("li");
    none.textContent = "No page matches.";
    results.replaceChildren(...(hits.length > 0 ? hits.map(resultItem) : [none]));
  };

  input.addEventListener("focus", searchEngine, { once: true });
  input.addEventListener("input", show);
  input.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const first = results.querySelector("a");
    if (first !== null) window.location.href = first.href;
  });
})();

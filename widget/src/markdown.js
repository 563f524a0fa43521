// A small, safe Markdown subset for bot messages: **bold**, "- " and "1. " lists, links.
// Everything is HTML-escaped first; only the tags produced here are ever inserted, so HTML
// sent by anyone shows as text.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'，。！？、）)\]]+/g;
const LINK_PATTERN = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s)]+)\)/g;

function link(href, label) {
  return `<a href="${href}" target="_blank" rel="noopener noreferrer">${label}</a>`;
}

function inline(escaped) {
  // escaped text only: the patterns can no longer meet a raw "<" or quote
  const placeholders = [];
  let out = escaped.replace(LINK_PATTERN, (_m, label, href) => {
    placeholders.push(link(href, label));
    return `\u0000${placeholders.length - 1}\u0000`;
  });
  out = out.replace(URL_PATTERN, (href) => {
    placeholders.push(link(href, href));
    return `\u0000${placeholders.length - 1}\u0000`;
  });
  out = out.replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>");
  return out.replace(/\u0000(\d+)\u0000/g, (_m, i) => placeholders[Number(i)]);
}

export function renderMarkdown(text) {
  const lines = escapeHtml(text).split("\n");
  const html = [];
  let list = null; // "ul" | "ol"
  const close = () => {
    if (list) html.push(`</${list}>`);
    list = null;
  };
  for (const line of lines) {
    const bullet = /^\s*[-•]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.、]\s+(.*)$/.exec(line);
    const kind = bullet ? "ul" : numbered ? "ol" : null;
    if (kind) {
      if (list !== kind) {
        close();
        html.push(`<${kind}>`);
        list = kind;
      }
      html.push(`<li>${inline((bullet || numbered)[1])}</li>`);
    } else {
      close();
      if (line.trim()) html.push(`<p>${inline(line)}</p>`);
    }
  }
  close();
  return html.join("");
}

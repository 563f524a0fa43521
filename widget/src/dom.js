/* DOM helpers shared by the widget and the staff console.
 *
 * SECURITY: text given to el() becomes text nodes (never parsed as HTML); use it for anything
 * that came from a visitor or an API.
 */

export const $ = (selector, root) => (root || document).querySelector(selector);

/** createElement with code-controlled props; children are Nodes or text (never parsed as HTML). */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "value" || key === "disabled") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

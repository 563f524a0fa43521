/* Console helpers: times in Guangzhou, panel errors, forms with field errors, tables. */
import { $, el } from "../dom.js";
import { session } from "./api.js";

export const TZ = "Asia/Shanghai";
export const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
export const list = (value) => (Array.isArray(value) ? value : []);
export const CHANNEL_LABELS = { socketio: "网页咨询", wechat: "微信", rest: "接口", wecom_kf: "企业微信" };
export const STATE_LABELS = { suspended: "暂停", degraded: "部分恢复", normal: "已恢复" };
let uid = 0;
export const nextId = (prefix) => `${prefix}-${++uid}`;

export function setPanelError(panelId, message) {
  const node = $(`#${panelId} [data-panel-error]`);
  if (!node || (session.redirecting && message)) return;
  node.textContent = message || "";
  node.hidden = !message;
}

/** Run a loader; a failure is shown at the top of its panel. */
export async function guard(panelId, loader) {
  try { await loader(); } catch (err) { setPanelError(panelId, err.message || "出错了，请重试"); }
}

export function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return isNaN(date.getTime()) ? null : date;
}

/** ISO string or epoch seconds → "2026/11/28 09:30" in Guangzhou time. */
export function formatTime(value, timeOnly) {
  const date = toDate(value);
  if (!date) return value ? String(value) : "—";
  const opts = timeOnly ? { hour: "2-digit", minute: "2-digit", second: "2-digit" }
    : { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" };
  return date.toLocaleString("zh-CN", Object.assign({ timeZone: TZ, hour12: false }, opts));
}

/** 75 → "1分15秒"; 4000 → "1小时6分". */
export function formatDuration(seconds) {
  if (typeof seconds !== "number" || !isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}秒`;
  if (s < 3600) return `${Math.floor(s / 60)}分${s % 60 ? `${s % 60}秒` : ""}`;
  return `${Math.floor(s / 3600)}小时${Math.floor((s % 3600) / 60)}分`;
}

export const byTimeDesc = (get) => (a, b) => (toDate(get(b)) || 0) - (toDate(get(a)) || 0);
export const percent = (x) => (typeof x === "number" && isFinite(x) ? `${Math.round(x * 1000) / 10}%` : "—");
export const field = (form, name) => form.elements.namedItem(name);

export function clearErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((n) => { n.textContent = ""; n.hidden = true; });
  form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
}

/** Show a message in the error slot of `name` (else the form-level slot) and focus that input. */
export function showError(form, name, message) {
  const slots = Array.from(form.querySelectorAll("[data-error-for]"));
  const slot = slots.find((n) => n.getAttribute("data-error-for") === name)
    || slots.find((n) => n.getAttribute("data-error-for") === "_form");
  if (slot) { slot.textContent = message; slot.hidden = false; }
  const input = name && name !== "_form" ? field(form, name) : null;
  if (input && input.focus) { input.setAttribute("aria-invalid", "true"); input.focus(); }
}

/** Submit handler: clears errors, disables the button, shows a 422 next to its field. */
export function onSubmit(form, handler, aliases) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = $('button[type="submit"]', form);
    button.disabled = true;
    try {
      await handler();
    } catch (err) {
      const name = err.status === 422 && err.data && err.data.field ? err.data.field : "_form";
      showError(form, (aliases && aliases[name]) || name, err.message || "出错了，请重试");
    }
    button.disabled = false;
  });
}

export const setNote = (node, message, isError) => { node.textContent = message || ""; node.classList.toggle("error", !!isError); };

/** A table from column specs {label, value(row) → text | Node}; col() shows a plain property. */
export const col = (label, key, empty) => ({ label, value: (row) => (row[key] == null || row[key] === "" ? empty || "—" : String(row[key])) });
export function renderTable(container, caption, columns, rows, emptyText) {
  if (!rows.length) { container.replaceChildren(el("p", { class: "empty" }, emptyText)); return; }
  container.replaceChildren(el("div", { class: "table-wrap" }, el("table", {},
    el("caption", { class: "visually-hidden" }, caption),
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.label)))),
    el("tbody", {}, rows.map((row) => el("tr", {}, columns.map((c) => el("td", { "data-label": c.label }, c.value(row)))))))));
}

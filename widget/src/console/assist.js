/* 辅助回答: paste a customer's question, get the three best answers with their sources. */
import { $, el } from "../dom.js";
import { api } from "./api.js";
import { field, list, onSubmit, percent, showError } from "./ui.js";

export function initAssist() {
  const form = $("#assist-form");
  const summary = $("#assist-summary");
  onSubmit(form, async () => {
    const text = field(form, "text").value.trim();
    if (!text) { showError(form, "text", "请先输入客户的问题。"); return; }
    summary.textContent = "正在查找…";
    const data = await api("POST", "/api/assist", { text }).finally(() => { summary.textContent = ""; });
    renderSuggestions(list(data.suggestions).slice(0, 3));
  });
}

function renderSuggestions(suggestions) {
  $("#assist-summary").textContent = suggestions.length
    ? `找到 ${suggestions.length} 条建议回答，请核对后使用。` : "没有找到合适的建议回答，请人工答复。";
  $("#assist-results").replaceChildren(...suggestions.map((s) => {
    const answer = el("div", { class: "answer", text: s.answer || "" });
    const copy = el("button", { type: "button", class: "copy", onclick: () => copyAnswer(s.answer || "", answer, copy) }, "复制");
    return el("article", { class: "suggestion card" },
      el("h3", {}, s.title || s.topic || "建议回答"),
      el("p", { class: "suggestion-meta" },
        el("span", {}, "主题：", el("code", {}, s.topic || "—")),
        el("span", {}, `置信度：${percent(s.confidence)}`),
        el("span", {}, `来源：${s.source || "—"}`)),
      answer,
      el("div", { class: "actions" }, copy));
  }));
}

/** Clipboard API; otherwise select the answer (and try the legacy copy command). */
async function copyAnswer(text, answerNode, button) {
  let copied = false;
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(text); copied = true; } catch (_err) { copied = false; }
  }
  if (!copied) {
    window.getSelection().selectAllChildren(answerNode);
    try { copied = document.execCommand("copy"); } catch (_err) { copied = false; }
  }
  button.textContent = copied ? "已复制" : "已选中，请按 Ctrl+C 复制";
  clearTimeout(button.resetTimer);
  button.resetTimer = setTimeout(() => { button.textContent = "复制"; }, copied ? 1500 : 4000);
}


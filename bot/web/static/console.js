/* 客服工作台 — staff console. Vanilla JS, no build step.
 *
 * SECURITY: everything that comes from the API (visitors' raw messages included) reaches the
 * DOM through textContent / createElement / setAttribute only. Never use innerHTML with data.
 */
"use strict";

(function () {
  const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const STAFF = ((document.getElementById("staff-name") || {}).textContent || "").trim();
  const TZ = "Asia/Shanghai";
  const POLL_OPEN_MS = 3000;        // queue tab open
  const POLL_BACKGROUND_MS = 15000; // other tabs: keeps the count badge fresh
  const STATE_LABELS = { suspended: "暂停", degraded: "部分恢复", normal: "已恢复" };
  const SENDER_LABELS = { user: "访客", bot: "机器人", staff: "客服" };
  const CHANNEL_LABELS = { socketio: "网页咨询", wechat: "微信", rest: "接口" };
  const POINT_LABELS = { id: "编号", name: "名称", district: "所在区", address: "地址", latitude: "纬度",
    longitude: "经度", hours: "办公时间", phone: "电话", services: "服务项目", booking: "预约方式", notes: "备注",
    source: "资料来源", verified: "核实日期" };
  const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
  let redirecting = false;
  let uid = 0;

  // ---------------------------------------------------------------- helpers
  const $ = (selector, root) => (root || document).querySelector(selector);
  const list = (value) => (Array.isArray(value) ? value : []);

  /** createElement with code-controlled props; children are Nodes or text (never parsed as HTML). */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "value" || key === "disabled") node[key] = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  class ApiError extends Error {
    constructor(status, data) {
      super(status === 403 ? "请求被拒绝：页面可能已过期，请刷新页面后重试。"
        : (data && data.error) || `请求失败（HTTP ${status}）`);
      this.status = status;
      this.data = data || {};
    }
  }

  /** fetch wrapper: same-origin cookies, CSRF header + JSON body on writes, 401 → login page. */
  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      Object.assign(options.headers, { "X-CSRF-Token": CSRF, "Content-Type": "application/json" });
      options.body = JSON.stringify(body === undefined ? {} : body);
    }
    let response;
    try { response = await fetch(path, options); } catch (_err) { throw new ApiError(0, { error: "网络连接失败，请检查网络后重试。" }); }
    if (response.status === 401) {
      redirecting = true;
      window.location.assign("/console/login");
      throw new ApiError(401, { error: "登录已过期，正在跳转到登录页…" });
    }
    const data = (response.headers.get("Content-Type") || "").includes("json")
      ? await response.json().catch(() => null) : null;
    if (!response.ok) throw new ApiError(response.status, data);
    return data || {};
  }

  function setPanelError(panelId, message) {
    const node = $(`#${panelId} [data-panel-error]`);
    if (!node || (redirecting && message)) return;
    node.textContent = message || "";
    node.hidden = !message;
  }

  /** Run a loader; a failure is shown at the top of its panel. */
  async function guard(panelId, loader) {
    try { await loader(); } catch (err) { setPanelError(panelId, err.message || "出错了，请重试"); }
  }

  function toDate(value) {
    if (value === null || value === undefined || value === "") return null;
    const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    return isNaN(date.getTime()) ? null : date;
  }

  /** ISO string or epoch seconds → "2026/11/28 09:30" in Guangzhou time. */
  function formatTime(value, timeOnly) {
    const date = toDate(value);
    if (!date) return value ? String(value) : "—";
    const opts = timeOnly ? { hour: "2-digit", minute: "2-digit", second: "2-digit" }
      : { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" };
    return date.toLocaleString("zh-CN", Object.assign({ timeZone: TZ, hour12: false }, opts));
  }

  const byTimeDesc = (get) => (a, b) => (toDate(get(b)) || 0) - (toDate(get(a)) || 0);
  const percent = (x) => (typeof x === "number" && isFinite(x) ? `${Math.round(x * 1000) / 10}%` : "—");

  /** ISO (any offset) ↔ <input type="datetime-local"> value in Guangzhou time (UTC+8); empty ↔ null. */
  function isoToLocalInput(iso) {
    const date = toDate(iso);
    return date ? new Date(date.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16) : "";
  }
  const localInputToIso = (value) => (value ? `${value.length === 16 ? `${value}:00` : value}+08:00` : null);

  const field = (form, name) => form.elements.namedItem(name);

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach((n) => { n.textContent = ""; n.hidden = true; });
    form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
  }

  /** Show a message in the error slot of `name` (else the form-level slot) and focus that input. */
  function showError(form, name, message) {
    const slots = Array.from(form.querySelectorAll("[data-error-for]"));
    const slot = slots.find((n) => n.getAttribute("data-error-for") === name)
      || slots.find((n) => n.getAttribute("data-error-for") === "_form");
    if (slot) { slot.textContent = message; slot.hidden = false; }
    const input = name && name !== "_form" ? field(form, name) : null;
    if (input && input.focus) { input.setAttribute("aria-invalid", "true"); input.focus(); }
  }

  /** Submit handler: clears errors, disables the button, shows a 422 next to its field. */
  function onSubmit(form, handler, aliases) {
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

  const setNote = (node, message, isError) => { node.textContent = message || ""; node.classList.toggle("error", !!isError); };

  /** A table from column specs {label, value(row) → text | Node}; col() shows a plain property. */
  const col = (label, key, empty) => ({ label, value: (row) => (row[key] == null || row[key] === "" ? empty || "—" : String(row[key])) });
  function renderTable(container, caption, columns, rows, emptyText) {
    if (!rows.length) { container.replaceChildren(el("p", { class: "empty" }, emptyText)); return; }
    container.replaceChildren(el("div", { class: "table-wrap" }, el("table", {},
      el("caption", { class: "visually-hidden" }, caption),
      el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.label)))),
      el("tbody", {}, rows.map((row) => el("tr", {}, columns.map((c) => el("td", { "data-label": c.label }, c.value(row)))))))));
  }

  // ---------------------------------------------------------------- tabs
  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
  const loaders = { queue: () => pollQueue(), assist: () => {}, status: () => loadStatus(),
    points: () => loadPoints(), insights: () => loadInsights() };
  let activeTab = "queue";

  function selectTab(name, focus) {
    for (const tab of tabs) {
      const on = tab.getAttribute("aria-controls") === name;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
      if (on && focus) tab.focus();
    }
    activeTab = name;
    loaders[name]();
    scheduleQueuePoll();
  }

  function initTabs() {
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => selectTab(tab.getAttribute("aria-controls")));
      tab.addEventListener("keydown", (event) => {
        const keys = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
        if (!has(keys, event.key)) return;
        event.preventDefault();
        selectTab(tabs[(keys[event.key] + tabs.length) % tabs.length].getAttribute("aria-controls"), true);
      });
    });
  }

  // ---------------------------------------------------------------- 1. queue
  const queue = { entries: new Map(), known: null, timer: null, busy: false, again: false };

  function scheduleQueuePoll() {
    clearTimeout(queue.timer);
    if (redirecting) return;
    const open = activeTab === "queue" && !document.hidden;
    queue.timer = setTimeout(pollQueue, open ? POLL_OPEN_MS : POLL_BACKGROUND_MS);
  }

  async function pollQueue() {
    if (queue.busy) { queue.again = true; return; }
    clearTimeout(queue.timer);
    queue.busy = true;
    await guard("queue", async () => {
      const handoffs = list((await api("GET", "/api/handoffs")).handoffs);
      updateQueueBadge(handoffs);
      renderQueue(handoffs);
      setPanelError("queue", "");
    });
    queue.busy = false;
    if (queue.again) { queue.again = false; pollQueue(); } else scheduleQueuePoll();
  }

  function updateQueueBadge(handoffs) {
    const badge = $("#queue-count");
    $(".badge-n", badge).textContent = String(handoffs.length);
    badge.hidden = handoffs.length === 0;
    document.title = (handoffs.length ? `(${handoffs.length}) ` : "") + "客服工作台";
    const fresh = queue.known ? handoffs.filter((h) => !queue.known.has(String(h.id))) : [];
    if (fresh.length) $("#queue-live").textContent = `有 ${fresh.length} 个新的转人工会话，队列中共 ${handoffs.length} 个。`;
    queue.known = new Set(handoffs.map((h) => String(h.id)));
  }

  /** Update cards in place: an existing card keeps its textarea (and whatever staff are typing). */
  function renderQueue(handoffs) {
    const container = $("#queue-list");
    $("#queue-empty").hidden = handoffs.length > 0;
    const active = document.activeElement;
    const caret = active && active.tagName === "TEXTAREA" ? [active.selectionStart, active.selectionEnd] : null;
    const wanted = new Set(handoffs.map((h) => String(h.id)));
    for (const [key, entry] of queue.entries) {
      if (!wanted.has(key)) { entry.card.remove(); queue.entries.delete(key); }
    }
    handoffs.forEach((handoff, index) => {
      const key = String(handoff.id);
      if (!queue.entries.has(key)) queue.entries.set(key, buildHandoffCard(key));
      const entry = queue.entries.get(key);
      updateHandoffCard(entry, handoff);
      const at = container.children[index];
      if (at !== entry.card) container.insertBefore(entry.card, at || null);
    });
    if (active && active !== document.activeElement && container.contains(active)) { // moved: restore focus
      active.focus({ preventScroll: true });
      if (caret) active.setSelectionRange(caret[0], caret[1]);
    }
  }

  function buildHandoffCard(id) {
    const replyId = `reply-${++uid}`;
    const titleId = `handoff-title-${uid}`;
    const entry = { sig: {}, card: el("article", { class: "handoff", "data-id": id, "aria-labelledby": titleId }) };
    const button = (cls, label, action) => el("button", { type: "button", class: cls, onclick: () => handoffAction(entry, action) }, label);
    const parts = entry.parts = {
      title: el("h3", { id: titleId, class: "handoff-title" }),
      meta: el("dl", { class: "handoff-meta" }),
      transcript: el("div", { class: "transcript", role: "log", tabindex: "0", "aria-label": "对话记录" }),
      textarea: el("textarea", { id: replyId, class: "reply-text", rows: "3" }),
      note: el("p", { class: "card-note", role: "status" }),
      take: button("take", "接手", "take"),
    };
    parts.textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); handoffAction(entry, "reply"); }
    });
    entry.card.append(parts.title, parts.meta, parts.transcript,
      el("div", { class: "reply" }, el("label", { for: replyId }, "回复内容"), parts.textarea),
      el("div", { class: "actions" }, parts.take, button("reply-send primary", "发送", "reply"),
        button("release danger", "结束人工，交还机器人", "release")),
      parts.note);
    return entry;
  }

  function updateHandoffCard(entry, h) {
    const { parts, sig } = entry;
    const channel = CHANNEL_LABELS[h.channel] || h.channel || "未知渠道";
    const metaSig = JSON.stringify([h.channel, h.reason, h.opened_at, h.taken_by, h.conversation_id]);
    if (sig.meta !== metaSig) {
      sig.meta = metaSig;
      parts.title.textContent = `#${h.id} · ${channel}`;
      const rows = [["渠道", channel], ["原因", h.reason || "—"], ["发起时间", formatTime(h.opened_at)],
        ["接手人", h.taken_by || "未接手"], ["会话编号", h.conversation_id || "—"]];
      parts.meta.replaceChildren(...rows.flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]));
      const mine = !!h.taken_by && h.taken_by === STAFF;
      entry.card.classList.toggle("taken", !!h.taken_by);
      entry.card.classList.toggle("mine", mine);
      parts.take.disabled = mine;
      parts.take.textContent = mine ? "已接手" : "接手";
    }
    renderTranscript(entry, list(h.transcript));
  }

  /** Rebuild the transcript only when it changed; stay scrolled to the end if staff were there. */
  function renderTranscript(entry, messages) {
    const box = entry.parts.transcript;
    const last = messages[messages.length - 1] || {};
    const transcriptSig = `${messages.length}|${last.timestamp}|${last.text}`;
    if (entry.sig.transcript === transcriptSig) return;
    const stick = entry.sig.transcript === undefined || box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    entry.sig.transcript = transcriptSig;
    box.replaceChildren(...messages.map((m) => {
      const sender = has(SENDER_LABELS, m.sender) ? m.sender : "bot";
      return el("div", { class: `msg-row ${sender}` },
        el("div", { class: "msg-meta" }, `${SENDER_LABELS[sender]} · ${formatTime(m.timestamp, true)}`),
        el("div", { class: `msg ${sender}`, text: m.text == null ? "" : String(m.text) }));
    }));
    if (!messages.length) box.append(el("p", { class: "empty" }, "（暂无对话记录）"));
    if (stick) box.scrollTop = box.scrollHeight;
  }

  /** 接手 / 发送 / 结束人工: POST /api/handoffs/{id}/{take|reply|release}. */
  async function handoffAction(entry, action) {
    const { card, parts } = entry;
    const text = parts.textarea.value.trim();
    if (action === "reply" && !text) { setNote(parts.note, "请先输入回复内容。", true); parts.textarea.focus(); return; }
    const buttons = Array.from(card.querySelectorAll("button"));
    buttons.forEach((b) => { b.disabled = true; });
    parts.textarea.readOnly = true;
    setNote(parts.note, "");
    try {
      await api("POST", `/api/handoffs/${encodeURIComponent(card.dataset.id)}/${action}`, action === "reply" ? { text } : {});
      if (action === "reply") parts.textarea.value = "";
      if (action === "release") $("#queue-live").textContent = `会话 #${card.dataset.id} 已交还机器人。`;
      else setNote(parts.note, action === "reply" ? "已发送。" : "已接手，请在下方回复客户。");
      if (action !== "release") parts.textarea.focus();
    } catch (err) {
      setNote(parts.note, err.message, true);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      parts.textarea.readOnly = false;
      entry.sig.meta = null; // let the refresh set the 接手 button's state again
      pollQueue();
    }
  }

  // ---------------------------------------------------------------- 2. assist
  function initAssist() {
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

  // ---------------------------------------------------------------- 3. status
  const TIME_FIELDS = ["started_at", "expected_resume_at"]; // datetime-local inputs, Guangzhou time
  let statusDirty = false; // unsaved edits are not overwritten when the tab is reopened

  function loadStatus() {
    setPanelError("status", "");
    guard("status", async () => {
      const current = await api("GET", "/api/status");
      renderCurrentStatus(current);
      if (!statusDirty) fillStatusForm(current);
    });
    guard("status", loadStatusHistory);
  }

  function renderCurrentStatus(s) {
    const parts = [`当前状态：${STATE_LABELS[s.state] || s.state || "—"}`];
    if (s.expected_resume_at) parts.push(`预计恢复：${formatTime(s.expected_resume_at)}`);
    parts.push(`最后更新：${formatTime(s.updated_at)}${s.updated_by ? `（${s.updated_by}）` : ""}`);
    $("#status-current").textContent = parts.join(" · ");
    $("#status-current").dataset.state = has(STATE_LABELS, s.state) ? s.state : "";
  }

  function fillStatusForm(s) {
    const form = $("#status-form");
    for (const name of ["state", "message", "source_url"]) field(form, name).value = s[name] || "";
    for (const name of TIME_FIELDS) field(form, name).value = isoToLocalInput(s[name]);
    statusDirty = false;
  }

  async function loadStatusHistory() {
    const rows = list((await api("GET", "/api/status/history")).history).slice().sort(byTimeDesc((r) => r.updated_at));
    renderTable($("#status-history"), "状态变更历史", [
      { label: "更新时间", value: (r) => formatTime(r.updated_at) }, col("更新人", "updated_by"),
      { label: "状态", value: (r) => el("span", { class: `state state-${has(STATE_LABELS, r.state) ? r.state : "unknown"}` }, STATE_LABELS[r.state] || r.state || "—") },
      { label: "预计恢复时间", value: (r) => formatTime(r.expected_resume_at) },
    ], rows, "暂无历史记录");
  }

  function initStatus() {
    const form = $("#status-form");
    const note = $(".form-note", form);
    for (const type of ["input", "change"]) form.addEventListener(type, () => { statusDirty = true; });
    onSubmit(form, async () => {
      setNote(note, "");
      const body = { state: field(form, "state").value, message: field(form, "message").value,
        source_url: field(form, "source_url").value.trim() };
      for (const name of TIME_FIELDS) body[name] = localInputToIso(field(form, name).value);
      const saved = await api("PUT", "/api/status", body);
      fillStatusForm(saved);
      renderCurrentStatus(saved);
      setNote(note, "已保存。");
      guard("status", loadStatusHistory);
    });
  }

  // ---------------------------------------------------------------- 4. service points
  let editButton = null;

  function loadPoints() {
    setPanelError("points", "");
    guard("points", async () => {
      const body = await api("GET", "/api/service-points");
      const points = list(body.service_points);
      const missing = (body.completeness && body.completeness.missing) || {};
      renderCompleteness(body.completeness);
      renderTable($("#points-table"), "服务点列表", [
        col("名称", "name"), col("所在区", "district"), col("地址", "address"),
        col("办公时间", "hours"), col("电话", "phone"), col("核实日期", "verified", "未核实"),
        { label: "待补充", value: (p) => list(missing[p.id]).map(detailLabel).join("、") || "—" },
        { label: "操作", value: (p) => el("button", { type: "button", "aria-label": `编辑 ${p.name || p.id}`, onclick: (e) => openPointEditor(p, e.currentTarget) }, "编辑") },
      ], points, "暂无服务点");
    });
    guard("points", loadPointChanges);
  }

  const detailLabel = (name) => (name === "location" ? "坐标" : POINT_LABELS[name] || name);

  /** How much of the list is filled in: what visitors get is only as good as this. */
  function renderCompleteness(counts) {
    const target = $("#points-completeness");
    if (!counts) { target.textContent = ""; return; }
    target.textContent = counts.with_address === counts.total && counts.verified === counts.total
      ? `共 ${counts.total} 个服务点，地址齐全且都已核实。`
      : `共 ${counts.total} 个服务点：有地址 ${counts.with_address} 个，有坐标 ${counts.with_location} 个（按位置查找最近的服务点需要坐标），已核实 ${counts.verified} 个。`
        + "没有地址的服务点，机器人只能请用户拨打热线查询。";
  }

  function openPointEditor(point, button) {
    const form = $("#point-form");
    clearErrors(form);
    editButton = button;
    $("#point-form-title").textContent = `编辑服务点：${point.name || point.id}`;
    for (const name of Object.keys(POINT_LABELS)) {
      const value = point[name];
      field(form, name).value = name === "services" ? list(value).join("，") : value == null ? "" : String(value);
    }
    form.hidden = false;
    form.scrollIntoView({ block: "start" });
    field(form, "name").focus({ preventScroll: true });
  }

  function closePointEditor() {
    $("#point-form").hidden = true;
    if (editButton && editButton.isConnected) editButton.focus();
  }

  /** The form as the API's full object; a client-side problem is thrown like a 422. */
  function readPointForm(form) {
    const text = (name) => field(form, name).value.trim();
    const point = {};
    for (const name of ["id", "name", "district", "address", "hours", "phone", "booking", "notes", "source"]) point[name] = text(name);
    for (const name of ["latitude", "longitude"]) {
      const raw = text(name);
      point[name] = raw ? Number(raw) : null;
      if (raw && !isFinite(point[name])) throw new ApiError(422, { error: "请输入数字，或留空。", field: name });
    }
    point.services = text("services").split(/[,，、;；\n]/).map((s) => s.trim()).filter(Boolean);
    point.verified = text("verified") || null;
    return point;
  }

  function initPoints() {
    const form = $("#point-form");
    $("#point-cancel").addEventListener("click", closePointEditor);
    form.addEventListener("keydown", (event) => { if (event.key === "Escape") closePointEditor(); });
    onSubmit(form, async () => {
      const point = readPointForm(form);
      await api("PUT", `/api/service-points/${encodeURIComponent(point.id)}`, point);
      form.hidden = true;
      $("#points-note").textContent = `已保存「${point.name}」。`;
      $("#points-note").focus();
      loadPoints();
    }, { "latitude/longitude": "latitude", entry: "_form", body: "_form" });
  }

  const pointValue = (v) => (v === null || v === undefined || v === "" ? "（空）" : Array.isArray(v) ? v.join("，") : String(v));

  /** What a change altered: compared with the previous change of the same point (list is newest first). */
  function changeDetails(d, rows) {
    if (d.data.deleted) return "已删除";
    const older = rows.slice(rows.indexOf(d) + 1).find((o) => o.key === d.key);
    const before = older ? older.data : null;
    const names = Object.keys(Object.assign({}, before, d.data))
      .filter((n) => !before || JSON.stringify(before[n]) !== JSON.stringify(d.data[n]));
    if (!names.length) return "未改动内容";
    const label = (n) => POINT_LABELS[n] || n;
    return el("details", {}, el("summary", {}, before ? `修改了 ${names.map(label).join("、")}` : "完整资料（更早的版本不在列表中）"),
      el("ul", {}, names.map((n) => el("li", {}, el("strong", {}, `${label(n)}：`),
        before ? `${pointValue(before[n])} → ${pointValue(d.data[n])}` : pointValue(d.data[n])))));
  }

  async function loadPointChanges() {
    const rows = list((await api("GET", "/api/service-points/changes")).changes).slice()
      .sort(byTimeDesc((c) => c.changed_at)).map((change) => {
        const data = change.data && typeof change.data === "object" ? change.data : {};
        return { change, data, key: String(data.id || change.id) };
      });
    renderTable($("#points-changes"), "服务点修改记录", [
      { label: "时间", value: (d) => formatTime(d.change.changed_at) },
      { label: "修改人", value: (d) => d.change.changed_by || "—" },
      { label: "服务点", value: (d) => d.data.name || d.data.id || String(d.change.id) },
      { label: "修改内容", value: (d) => changeDetails(d, rows) },
    ], rows, "暂无修改记录");
  }

  // ---------------------------------------------------------------- 5. insights
  let topicsCache = null;

  function loadInsights() {
    setPanelError("insights", "");
    guard("insights", loadStats);
    guard("insights", loadUnanswered);
  }

  async function loadStats() {
    const s = await api("GET", "/api/stats");
    const count = (n) => (typeof n === "number" ? String(n) : "—");
    const kpi = (label, value) => el("div", { class: "kpi" }, el("dt", {}, label), el("dd", {}, value));
    $("#kpis").replaceChildren(kpi("会话数", count(s.conversations)), kpi("自助解决率", percent(s.deflection_rate)),
      kpi("未识别率", percent(s.fallback_rate)), kpi("转人工数", count(s.handoffs)), kpi("未解决", count(s.unresolved)));
    barChart($("#chart-days"), list(s.per_day).map((d) => ({ label: d.date, value: d.conversations })));
    barChart($("#chart-topics"), list(s.top_topics).map((t) => ({ label: t.title || t.topic, value: t.count, title: t.topic })));
    const rate = (f) => { const n = (f.helpful || 0) + (f.unhelpful || 0); return n ? percent((f.helpful || 0) / n) : "—"; };
    renderTable($("#feedback-table"), "各主题的回答评价", [
      { label: "主题", value: (f) => f.title || f.topic || "—" },
      { label: "主题 ID", value: (f) => el("code", {}, f.topic || "—") },
      col("有帮助", "helpful", "0"), col("没帮助", "unhelpful", "0"), { label: "好评率", value: rate },
    ], list(s.feedback), "暂无评价");
  }

  /** Horizontal bars drawn with divs, as a list so the figures stay readable by screen readers. */
  function barChart(container, items) {
    if (!items.length) { container.replaceChildren(el("p", { class: "empty" }, "暂无数据")); return; }
    const max = Math.max(1, ...items.map((i) => Number(i.value) || 0));
    container.replaceChildren(el("ul", { class: "bars" }, items.map((item) => {
      const value = Number(item.value) || 0;
      const fill = el("span", { class: "bar-fill" });
      fill.style.width = `${Math.max(0, Math.min(100, (value / max) * 100))}%`;
      return el("li", { class: "bar", title: item.title || null },
        el("span", { class: "bar-label" }, item.label || "—"),
        el("span", { class: "bar-track", "aria-hidden": "true" }, fill),
        el("span", { class: "bar-value" }, String(value)));
    })));
  }

  /** FAQ topics and the other intents /api/topics returns, grouped; keeps an unknown current label. */
  function topicSelect(topics, current, id) {
    const select = el("select", { id }, el("option", { value: "" }, "— 选择主题 —"));
    const groups = { faq: el("optgroup", { label: "常见问题" }), other: el("optgroup", { label: "其他意图" }) };
    for (const t of topics) {
      groups[String(t.topic).startsWith("faq/") ? "faq" : "other"]
        .append(el("option", { value: t.topic }, `${t.title || t.topic}（${t.topic}）`));
    }
    for (const group of Object.values(groups)) if (group.children.length) select.append(group);
    if (current && !topics.some((t) => t.topic === current)) select.append(el("option", { value: current }, current));
    select.value = current || "";
    return select;
  }

  function labelCell(q, topics) {
    const selectId = `label-${++uid}`;
    const select = topicSelect(topics, q.label, selectId);
    const note = el("span", { class: "row-note", role: "status" });
    const button = el("button", { type: "button" }, "保存标注");
    button.addEventListener("click", async () => {
      if (!select.value) { setNote(note, "请先选择主题。", true); select.focus(); return; }
      button.disabled = true;
      try {
        await api("POST", `/api/unanswered/${encodeURIComponent(q.id)}/label`, { topic: select.value });
        setNote(note, "已保存");
      } catch (err) { setNote(note, err.message, true); }
      button.disabled = false;
    });
    return el("div", { class: "label-cell" },
      el("label", { for: selectId, class: "visually-hidden" }, "标注主题"), select, button, note);
  }

  async function loadUnanswered() {
    const [data, topics] = await Promise.all([api("GET", "/api/unanswered"),
      topicsCache || api("GET", "/api/topics").then((d) => (topicsCache = list(d.topics)))]);
    const questions = list(data.questions).slice().sort((a, b) => (Number(b.timestamp) || 0) - (Number(a.timestamp) || 0));
    renderTable($("#unanswered-table"), "未解决的问题", [
      { label: "时间", value: (q) => formatTime(q.timestamp) },
      { label: "问题", value: (q) => el("span", { class: "question-text" }, q.text || "") },
      { label: "会话", value: (q) => el("code", {}, q.conversation_id || "—") },
      { label: "标注", value: (q) => labelCell(q, topics) },
    ], questions, "暂无未解决的问题");
  }

  // ---------------------------------------------------------------- start
  function init() {
    [initTabs, initAssist, initStatus, initPoints].forEach((initSection) => initSection());
    $("#insights-refresh").addEventListener("click", loadInsights);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && activeTab === "queue") pollQueue(); else scheduleQueuePoll();
    });
    selectTab("queue");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

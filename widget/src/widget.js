// The embeddable chat widget: one <script src=".../widget.js" data-...> tag.
//
//   data-socket-url  Rasa's socket.io endpoint (default: the script's origin)
//   data-api-url     the web app, for history and feedback (default: the script's origin)
//   data-title       the panel title
//
// Transport is Rasa's socketio channel with session_persistence (bot/channels/socketio.py): the
// server issues the session id and its key at the first connection; both live in localStorage, so
// a reload or a new tab continues the same conversation. The key is needed to rejoin the session
// and to read its history.
import { io } from "socket.io-client";
import css from "./widget.css";
import { escapeHtml, renderMarkdown } from "./markdown.js";
import { Outbox } from "./outbox.js";
import { el } from "./dom.js";
import { StatusBanner, locationSearchAvailable, suggestions } from "./status.js";

const script = document.currentScript;
const scriptOrigin = script ? new URL(script.src, location.href).origin : location.origin;
const config = {
  socketUrl: (script && script.dataset.socketUrl) || scriptOrigin,
  apiUrl: (script && script.dataset.apiUrl) || scriptOrigin,
  title: (script && script.dataset.title) || "电子发票咨询助手",
};
const STORE = "gz-einvoice-widget";
const sessionKey = `${STORE}:session`;
const sessionSecretKey = `${STORE}:session-key`;
const outbox = new Outbox(`${STORE}:outbox`);

function newId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function storedSession() {
  const id = localStorage.getItem(sessionKey);
  const key = localStorage.getItem(sessionSecretKey);
  return id && key && /^[A-Za-z0-9_-]{8,64}$/.test(id) ? { id, key } : { id: null, key: null };
}


class ChatWidget {
  constructor() {
    const stored = storedSession();
    this.session = stored.id; // issued by the server (session_confirm)
    this.sessionSecret = stored.key;
    this.open = false;
    this.unread = 0;
    this.connected = false;
    this.typingTimer = null;
    this.feedbackTimer = null;
    this.build();
    this.loadHistory().finally(() => this.connect());
  }

  build() {
    const host = el("div", { id: "gz-einvoice-widget" });
    document.body.appendChild(host);
    const root = host.attachShadow({ mode: "open" });
    root.appendChild(el("style", {}, css));

    this.launcher = el("button", {
      class: "launcher", type: "button", "aria-label": "打开在线咨询", "aria-expanded": "false",
      "aria-controls": "gz-panel",
    });
    this.launcher.appendChild(el("span", { class: "launcher-icon", "aria-hidden": "true" }, "咨询"));
    this.badge = el("span", { class: "badge", hidden: "" });
    this.launcher.appendChild(this.badge);

    this.panel = el("section", { class: "panel", id: "gz-panel", role: "dialog", "aria-label": config.title, hidden: "" });
    const header = el("header");
    header.appendChild(el("h2", {}, config.title));
    this.humanButton = el("button", { type: "button", class: "human" }, "转人工");
    this.closeButton = el("button", { type: "button", class: "close", "aria-label": "关闭对话窗口" }, "×");
    header.append(this.humanButton, this.closeButton);

    this.connection = el("p", { class: "connection", role: "status" });
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "对话记录" });
    this.typing = el("p", { class: "typing", hidden: "" }, "助手正在输入…");

    const form = el("form", { class: "composer" });
    const label = el("label", { for: "gz-input", class: "visually-hidden" }, "输入您的问题");
    this.input = el("input", {
      id: "gz-input", type: "text", maxlength: "500", autocomplete: "off", placeholder: "请输入您的问题…",
    });
    const send = el("button", { type: "submit", class: "send" }, "发送");
    form.append(label, this.input, send);
    this.locationButton = el("button", { type: "button", class: "location", hidden: "" }, "用我的位置找服务点");
    locationSearchAvailable(config.apiUrl).then((available) => { this.locationButton.hidden = !available; });
    this.statusBanner = new StatusBanner(config.apiUrl, el);

    this.panel.append(header, this.statusBanner.node, this.connection, this.log, this.typing, this.locationButton, form);
    root.append(this.launcher, this.panel);

    this.launcher.addEventListener("click", () => this.toggle(!this.open));
    this.closeButton.addEventListener("click", () => this.toggle(false));
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.toggle(false);
    });
    this.humanButton.addEventListener("click", () => this.send("/request_human", "转人工"));
    this.locationButton.addEventListener("click", () => this.sendLocation());
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.send(text, text);
    });
  }

  toggle(open) {
    this.open = open;
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.setAttribute("aria-label", open ? "收起在线咨询" : "打开在线咨询");
    this.statusBanner.setActive(open);
    if (open) {
      this.unread = 0;
      this.updateBadge();
      this.scrollDown();
      this.input.focus();
    } else {
      this.launcher.focus();
    }
  }

  updateBadge() {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = this.unread > 99 ? "99+" : String(this.unread);
    this.badge.setAttribute("aria-label", `${this.unread}条未读消息`);
  }

  setConnection(state) {
    this.connected = state === "up";
    this.connection.textContent =
      state === "up" ? "" : state === "connecting" ? "正在连接…" : "连接已断开，您的消息会在恢复连接后发送";
    this.connection.hidden = state === "up";
  }

  // -- transport ------------------------------------------------------------------------

  connect() {
    this.setConnection("connecting");
    this.socket = io(config.socketUrl, { transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });
    this.socket.on("connect", () =>
      this.socket.emit("session_request", { session_id: this.session, session_key: this.sessionSecret }),
    );
    this.socket.on("session_confirm", (confirmed) => {
      const id = typeof confirmed === "string" ? confirmed : confirmed && confirmed.session_id;
      const key = confirmed && typeof confirmed === "object" ? confirmed.session_key : null;
      if (id && (id !== this.session || key !== this.sessionSecret)) {
        this.session = id;
        this.sessionSecret = key;
        localStorage.setItem(sessionKey, id);
        if (key) localStorage.setItem(sessionSecretKey, key);
      }
      this.setConnection("up");
      this.flush();
    });
    this.socket.on("disconnect", () => this.setConnection("down"));
    this.socket.on("connect_error", () => this.setConnection("down"));
    this.socket.on("bot_uttered", (message) => this.receive(message));
  }

  send(message, shownText, metadata) {
    const item = { id: newId(), message, metadata: metadata || {}, shown: shownText };
    outbox.add(item);
    if (shownText) this.renderUser(shownText, item.id, true);
    this.flush();
  }

  flush() {
    if (!this.connected) return;
    for (const item of outbox.all()) {
      if (this.inFlight && this.inFlight.has(item.id)) continue;
      this.inFlight = this.inFlight || new Set();
      this.inFlight.add(item.id);
      if (item.shown) this.showTyping(true);
      const data = { message: item.message, session_id: this.session, metadata: item.metadata };
      this.socket.timeout(30000).emit("user_uttered", data, (error) => {
        this.inFlight.delete(item.id);
        if (error) return; // kept in the outbox: sent again on the next connection
        outbox.remove(item.id);
        this.markSent(item.id);
        this.showTyping(false);
      });
    }
  }

  sendLocation() {
    if (!navigator.geolocation) {
      this.renderNotice("您的浏览器不支持定位，请直接告诉我您在哪个区。");
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const location = { latitude: position.coords.latitude, longitude: position.coords.longitude };
        this.send("/find_service_point", "用我的位置找服务点", { location });
      },
      () => this.renderNotice("没有获得位置权限，请直接告诉我您在哪个区，例如「天河」。"),
      { timeout: 10000, maximumAge: 300000 },
    );
  }

  sendFeedback(helpful, container) {
    this.send(`/feedback{"helpful":"${helpful ? "yes" : "no"}"}`, null);
    container.replaceChildren(el("span", { class: "thanks" }, "谢谢您的反馈！"));
  }

  // -- rendering --------------------------------------------------------------------------

  showTyping(on) {
    clearTimeout(this.typingTimer);
    this.typing.hidden = !on;
    if (on) this.typingTimer = setTimeout(() => (this.typing.hidden = true), 15000);
    this.scrollDown();
  }

  scrollDown() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  renderUser(text, id, pending) {
    const bubble = el("div", { class: "message user", "data-id": id || "" });
    bubble.appendChild(el("p", {}, text));
    if (pending) bubble.appendChild(el("span", { class: "pending" }, "发送中…"));
    this.log.appendChild(bubble);
    this.scrollDown();
  }

  markSent(id) {
    const bubble = this.log.querySelector(`[data-id="${id}"] .pending`);
    if (bubble) bubble.remove();
  }

  renderNotice(text) {
    this.log.appendChild(el("p", { class: "notice" }, text));
    this.scrollDown();
  }

  renderBot(message, live) {
    const bubble = el("div", { class: "message bot" });
    const body = el("div", { class: "text" });
    body.innerHTML = renderMarkdown(message.text || ""); // escaped inside renderMarkdown
    bubble.appendChild(body);
    const buttons = message.quick_replies || message.buttons || [];
    if (buttons.length) {
      const group = el("div", { class: "quick-replies", role: "group", "aria-label": "可选操作" });
      for (const button of buttons) {
        const node = el("button", { type: "button" }, button.title);
        node.addEventListener("click", () => this.send(button.payload, button.title));
        group.appendChild(node);
      }
      bubble.appendChild(group);
    }
    this.log.appendChild(bubble);
    if (live) this.offerFeedback();
    this.scrollDown();
  }

  offerFeedback() {
    // once per answer: after the last of the bot's messages for a turn
    clearTimeout(this.feedbackTimer);
    this.feedbackTimer = setTimeout(() => {
      this.log.querySelectorAll(".feedback").forEach((node) => node.remove());
      const box = el("div", { class: "feedback", role: "group", "aria-label": "这个回答有帮助吗" });
      box.appendChild(el("span", {}, "这个回答有帮助吗？"));
      const yes = el("button", { type: "button" }, "有帮助");
      const no = el("button", { type: "button" }, "没帮助");
      yes.addEventListener("click", () => this.sendFeedback(true, box));
      no.addEventListener("click", () => this.sendFeedback(false, box));
      box.append(yes, no);
      this.log.appendChild(box);
      this.scrollDown();
    }, 400);
  }

  receive(message) {
    if (!message.text && !(message.quick_replies || message.buttons || []).length) return; // custom data
    this.showTyping(false);
    this.renderBot(message, true);
    if (!this.open) {
      this.unread += 1;
      this.updateBadge();
    }
  }

  async loadHistory() {
    try {
      if (!this.session || !this.sessionSecret) throw new Error("no session yet");
      const query = `session_id=${encodeURIComponent(this.session)}&session_key=${encodeURIComponent(this.sessionSecret)}`;
      const response = await fetch(`${config.apiUrl}/api/widget/history?${query}`);
      if (!response.ok) return;
      const { messages } = await response.json();
      for (const message of messages) {
        if (message.sender === "user") this.renderUser(message.text);
        else this.renderBot(message, false);
      }
    } catch (_e) {
      // no history: a fresh conversation
    }
    const pending = outbox.all();
    for (const item of pending) if (item.shown) this.renderUser(item.shown, item.id, true);
    if (!this.log.children.length) {
      this.renderNotice("您好！我是电子发票暂停服务的自动咨询助手，请直接输入您的问题。");
      this.log.appendChild(suggestions(el, (question) => this.send(question, question)));
    }
  }
}

function start() {
  if (!document.getElementById("gz-einvoice-widget")) window.gzEinvoiceWidget = new ChatWidget();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

export { escapeHtml };

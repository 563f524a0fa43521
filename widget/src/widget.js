// The embeddable chat widget: one <script src=".../widget.js" data-...> tag.
//
//   data-socket-url  Rasa's socket.io endpoint (default: the script's origin)
//   data-api-url     the web app, for history and feedback (default: the script's origin)
//   data-title       the panel title (Chinese); data-title-en: the same in English
//   data-lang        "en" to start in English (else the page's <html lang>; Chinese by default)
//
// The widget's own words follow the visitor's language (widget/src/i18n.js): what the visitor
// writes switches it, by the rule that switches the bot's answers.
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
import { detectLanguage, initialLanguage, texts } from "./i18n.js";

const script = document.currentScript;
const scriptOrigin = script ? new URL(script.src, location.href).origin : location.origin;
const config = {
  socketUrl: (script && script.dataset.socketUrl) || scriptOrigin,
  apiUrl: (script && script.dataset.apiUrl) || scriptOrigin,
  titles: { zh: script && script.dataset.title, en: script && script.dataset.titleEn },
  lang: script && script.dataset.lang,
};
const STORE = "gz-einvoice-widget";
const sessionKey = `${STORE}:session`;
const languageKey = `${STORE}:language`;
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
    this.lang = initialLanguage(localStorage.getItem(languageKey), config.lang, document.documentElement.lang);
    this.build();
    this.loadHistory().finally(() => this.connect());
  }

  build() {
    const host = el("div", { id: "gz-einvoice-widget" });
    document.body.appendChild(host);
    const root = host.attachShadow({ mode: "open" });
    root.appendChild(el("style", {}, css));

    this.launcher = el("button", {
      class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": "gz-panel",
    });
    this.launcherIcon = el("span", { class: "launcher-icon", "aria-hidden": "true" });
    this.launcher.appendChild(this.launcherIcon);
    this.badge = el("span", { class: "badge", hidden: "" });
    this.launcher.appendChild(this.badge);

    this.panel = el("section", { class: "panel", id: "gz-panel", role: "dialog", hidden: "" });
    const header = el("header");
    this.heading = el("h2");
    header.appendChild(this.heading);
    this.humanButton = el("button", { type: "button", class: "human" });
    this.closeButton = el("button", { type: "button", class: "close" }, "×");
    header.append(this.humanButton, this.closeButton);

    this.connection = el("p", { class: "connection", role: "status" });
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite" });
    this.typing = el("p", { class: "typing", hidden: "" });

    const form = el("form", { class: "composer" });
    this.inputLabel = el("label", { for: "gz-input", class: "visually-hidden" });
    this.input = el("input", { id: "gz-input", type: "text", maxlength: "500", autocomplete: "off" });
    this.sendButton = el("button", { type: "submit", class: "send" });
    form.append(this.inputLabel, this.input, this.sendButton);
    this.locationButton = el("button", { type: "button", class: "location", hidden: "" });
    locationSearchAvailable(config.apiUrl).then((available) => { this.locationButton.hidden = !available; });
    this.statusBanner = new StatusBanner(config.apiUrl, el, this.lang);
    this.applyLanguage();

    this.panel.append(header, this.statusBanner.node, this.connection, this.log, this.typing, this.locationButton, form);
    root.append(this.launcher, this.panel);

    this.launcher.addEventListener("click", () => this.toggle(!this.open));
    this.closeButton.addEventListener("click", () => this.toggle(false));
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.toggle(false);
    });
    this.humanButton.addEventListener("click", () => this.send(this.payload("/request_human"), this.words.human));
    this.locationButton.addEventListener("click", () => this.sendLocation());
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.setLanguage(detectLanguage(text) || this.lang);
      this.send(text, text);
    });
  }

  // -- language ---------------------------------------------------------------------------

  get words() {
    return texts(this.lang);
  }

  // The widget's own payloads say the widget's language, so the bot's answer to a button pressed
  // before the visitor wrote anything (on a page that starts in English) is English too.
  payload(intent, entities) {
    const all = { ...(entities || {}), ...(this.lang === "en" ? { language: "en" } : {}) };
    return Object.keys(all).length ? `${intent}${JSON.stringify(all)}` : intent;
  }

  setLanguage(lang) {
    if (lang !== "zh" && lang !== "en") return;
    localStorage.setItem(languageKey, lang);
    if (lang === this.lang) return;
    this.lang = lang;
    this.applyLanguage();
  }

  // Every control the widget draws itself, in this.lang (answers already shown stay as they were).
  applyLanguage() {
    const words = this.words;
    const title = config.titles[this.lang] || words.title;
    this.heading.textContent = title;
    this.panel.setAttribute("aria-label", title);
    this.launcherIcon.textContent = words.launcher;
    this.launcher.setAttribute("aria-label", this.open ? words.collapse : words.open);
    this.humanButton.textContent = words.human;
    this.closeButton.setAttribute("aria-label", words.close);
    this.log.setAttribute("aria-label", words.log);
    this.typing.textContent = words.typing;
    this.inputLabel.textContent = words.inputLabel;
    this.input.setAttribute("placeholder", words.placeholder);
    this.sendButton.textContent = words.send;
    this.locationButton.textContent = words.location;
    if (this.connectionState) this.setConnection(this.connectionState);
    this.updateBadge();
    this.statusBanner.setLanguage(this.lang);
    this.log.querySelectorAll(".pending").forEach((node) => (node.textContent = words.sending));
    this.log.querySelectorAll(".quick-replies").forEach((node) => node.setAttribute("aria-label", words.options));
    const feedback = this.log.querySelector(".feedback");
    if (feedback && feedback.querySelector("button")) feedback.replaceWith(this.feedbackBox());
    const offered = this.log.querySelector(".suggestions");
    if (offered) offered.replaceWith(this.suggestionBox());
    const welcome = this.log.querySelector(".notice.welcome");
    if (welcome) welcome.textContent = words.welcome;
  }

  toggle(open) {
    this.open = open;
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.setAttribute("aria-label", open ? this.words.collapse : this.words.open);
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
    this.badge.setAttribute("aria-label", this.words.unread(this.unread));
  }

  setConnection(state) {
    this.connected = state === "up";
    this.connectionState = state;
    this.connection.textContent =
      state === "up" ? "" : state === "connecting" ? this.words.connecting : this.words.disconnected;
    this.connection.hidden = state === "up";
  }

  // -- transport ------------------------------------------------------------------------

  connect() {
    this.setConnection("connecting");
    // `route`: a random key per page that keeps long-polling on one replica behind nginx
    // (deploy/nginx.conf.template); it says nothing about the visitor.
    const route = Math.random().toString(36).slice(2, 12);
    this.socket = io(config.socketUrl, { transports: ["websocket", "polling"], reconnectionDelayMax: 5000, query: { route } });
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
      this.renderNotice(this.words.noGeolocation);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const location = { latitude: position.coords.latitude, longitude: position.coords.longitude };
        this.send(this.payload("/find_service_point"), this.words.location, { location });
      },
      () => this.renderNotice(this.words.geolocationDenied),
      { timeout: 10000, maximumAge: 300000 },
    );
  }

  sendFeedback(helpful, container) {
    this.send(this.payload("/feedback", { helpful: helpful ? "yes" : "no" }), null);
    container.replaceChildren(el("span", { class: "thanks" }, this.words.feedbackThanks));
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
    if (pending) bubble.appendChild(el("span", { class: "pending" }, this.words.sending));
    this.log.appendChild(bubble);
    this.scrollDown();
  }

  markSent(id) {
    const bubble = this.log.querySelector(`[data-id="${id}"] .pending`);
    if (bubble) bubble.remove();
  }

  renderNotice(text, kind) {
    this.log.appendChild(el("p", { class: kind ? `notice ${kind}` : "notice" }, text));
    this.scrollDown();
  }

  renderBot(message, live) {
    const bubble = el("div", { class: "message bot" });
    const body = el("div", { class: "text" });
    body.innerHTML = renderMarkdown(message.text || ""); // escaped inside renderMarkdown
    bubble.appendChild(body);
    const buttons = message.quick_replies || message.buttons || [];
    if (buttons.length) {
      const group = el("div", { class: "quick-replies", role: "group", "aria-label": this.words.options });
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
      this.log.appendChild(this.feedbackBox());
      this.scrollDown();
    }, 400);
  }

  feedbackBox() {
    const words = this.words;
    const box = el("div", { class: "feedback", role: "group", "aria-label": words.feedbackQuestion });
    box.appendChild(el("span", {}, words.feedbackQuestion));
    const yes = el("button", { type: "button" }, words.helpful);
    const no = el("button", { type: "button" }, words.notHelpful);
    yes.addEventListener("click", () => this.sendFeedback(true, box));
    no.addEventListener("click", () => this.sendFeedback(false, box));
    box.append(yes, no);
    return box;
  }

  suggestionBox() {
    return suggestions(el, (question) => {
      this.setLanguage(detectLanguage(question) || this.lang);
      this.send(question, question);
    }, this.lang);
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
      this.renderNotice(this.words.welcome, "welcome");
      this.log.appendChild(this.suggestionBox());
    }
  }
}

function start() {
  if (!document.getElementById("gz-einvoice-widget")) window.gzEinvoiceWidget = new ChatWidget();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

export { escapeHtml };

// The live status where visitors look first: a slim banner under the widget's header, and three
// suggested questions on first open. Kept apart from widget.js so the chat itself stays small.
//
// The banner reads the web app's GET /api/status (the same feed the answers read) every POLL_MS
// while the panel is open. The feed sends an ETag with Cache-Control: no-cache, so the browser
// itself revalidates with If-None-Match and an unchanged status costs a 304 (no custom header:
// no CORS preflight on sites that embed the widget). It shows the staff-set state, the expected resumption, when it was updated, and, beside
// it and labelled as such, the automatic probe's result when operators configured one.

import { texts } from "./i18n.js";

const POLL_MS = 20000;

// Guangzhou time: "12月3日 09:00" / "3 Dec 09:00"; "今天09:00" / "today 09:00" for today.
function shanghaiTime(iso, words) {
  const parts = {};
  const format = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "numeric", day: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  for (const { type, value } of format.formatToParts(new Date(iso))) parts[type] = value;
  const today = {};
  for (const { type, value } of format.formatToParts(new Date())) today[type] = value;
  const clock = `${parts.hour}:${parts.minute}`;
  const sameDay = parts.year === today.year && parts.month === today.month && parts.day === today.day;
  return sameDay ? words.today(clock) : words.date(Number(parts.day), Number(parts.month), clock);
}

function shanghaiClock(iso) {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(new Date(iso));
}

// "电子发票服务：暂停中 · 预计12月3日 09:00恢复 · 更新于今天10:32"
// "E-invoice service: suspended · expected back 3 Dec 09:00 · updated today 10:32"
export function bannerText(status, lang) {
  const words = texts(lang);
  const parts = [`${words.service}${words.states[status.state] || status.state}`];
  if (status.state !== "normal") {
    parts.push(status.expected_resume_at ? words.expected(shanghaiTime(status.expected_resume_at, words)) : words.notAnnounced);
  }
  if (status.updated_at) parts.push(words.updated(shanghaiTime(status.updated_at, words)));
  return parts.join(" · ");
}

// The automatic probe's line, labelled as automatic (composed here so it follows the language).
export function probeText(probe, lang) {
  if (!probe || !probe.label) return "";
  if (typeof probe.reachable !== "boolean" || !probe.checked_at) return probe.label;
  return texts(lang).probe(probe.reachable, shanghaiClock(probe.checked_at));
}

export class StatusBanner {
  constructor(apiUrl, makeElement, lang) {
    this.url = `${apiUrl}/api/status`;
    this.timer = null;
    this.lang = lang;
    this.last = null;
    this.node = makeElement("div", { class: "status-banner", role: "status", "aria-live": "polite", hidden: "" });
    this.line = makeElement("p", { class: "status-line" });
    this.probe = makeElement("p", { class: "status-probe", hidden: "" });
    this.node.append(this.line, this.probe);
  }

  render(status) {
    this.last = status;
    this.node.hidden = false;
    this.node.dataset.state = status.state;
    this.line.textContent = bannerText(status, this.lang);
    const probe = probeText(status.probe, this.lang);
    this.probe.hidden = !probe;
    this.probe.textContent = probe;
  }

  // The visitor's language changed: the last status, said again in it.
  setLanguage(lang) {
    this.lang = lang;
    if (this.last) this.render(this.last);
  }

  async refresh() {
    try {
      const response = await fetch(this.url);
      if (response.ok) this.render(await response.json());
    } catch (_e) {
      // the chat still works; the banner keeps the last status it showed
    }
  }

  // Poll while the panel is open; stop when it closes.
  setActive(active) {
    clearInterval(this.timer);
    this.timer = null;
    if (!active) return;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }
}

// Three questions to start with, shown in an empty conversation only (in the visitor's language:
// an English question makes the bot answer in English too).
export function suggestions(makeElement, ask, lang) {
  const words = texts(lang);
  const group = makeElement("div", { class: "suggestions", role: "group", "aria-label": words.suggestionsLead });
  group.appendChild(makeElement("span", {}, words.suggestionsLead));
  for (const question of words.suggestions) {
    const button = makeElement("button", { type: "button" }, question);
    button.addEventListener("click", () => {
      group.remove();
      ask(question);
    });
    group.appendChild(button);
  }
  return group;
}

// The location search is offered only when some service point has coordinates.
export async function locationSearchAvailable(apiUrl) {
  try {
    const response = await fetch(`${apiUrl}/api/service-points`);
    if (!response.ok) return false;
    const { completeness } = await response.json();
    return Boolean(completeness && completeness.with_location > 0);
  } catch (_e) {
    return false;
  }
}

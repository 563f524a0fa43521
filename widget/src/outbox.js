// Messages the visitor sent, kept in localStorage until the server acknowledges them, so a
// message typed while the connection is down (or before a reload) is sent when it comes back.

export class Outbox {
  constructor(key) {
    this.key = key;
  }

  all() {
    try {
      return JSON.parse(localStorage.getItem(this.key) || "[]");
    } catch (_e) {
      return [];
    }
  }

  save(items) {
    localStorage.setItem(this.key, JSON.stringify(items));
  }

  add(item) {
    const items = this.all();
    items.push(item);
    this.save(items);
  }

  remove(id) {
    this.save(this.all().filter((item) => item.id !== id));
  }
}

/**
 * A windowed list: however long the history, only the rows near the viewport are in the DOM
 * (at most MAX_ROWS), between two spacers that stand in for the rest. Row heights vary: each is
 * measured once rendered; the others are estimated from the average so far. The view stays
 * pinned to the bottom while the reader is there, and otherwise keeps the row at the top of the
 * viewport where it was, whatever is added above or below it.
 */
import {h} from "../shared/helpers.js";

const OVERSCAN_PX = 800; // rendered beyond each edge of the viewport
const MAX_ROWS = 150;
const END_SLACK_PX = 60; // this close to the bottom counts as reading the latest
const FIRST_ESTIMATE_PX = 64;

/**
 * @typedef {{key: string, signature: string}} Item
 */
export class Windowed {
  /**
   * @param {HTMLElement} scroller the scrolling list element (its children are managed here)
   * @param {(item: any) => HTMLElement} render a row for an item
   * @param {{onScroll?: (view: Windowed) => void}} [hooks]
   */
  constructor(scroller, render, hooks = {}) {
    this.scroller = scroller;
    this.render = render;
    this.hooks = hooks;
    /** @type {Item[]} */ this.items = [];
    /** @type {Map<string, number>} measured heights, margins included */ this.heights = new Map();
    /** @type {Map<string, HTMLElement>} rows in the DOM */ this.nodes = new Map();
    this.topSpacer = h("li", {class: "spacer", "aria-hidden": "true"});
    this.bottomSpacer = h("li", {class: "spacer", "aria-hidden": "true"});
    this.pinned = true;
    this.frame = 0;
    this.reset();
    scroller.addEventListener("scroll", () => {
      this.pinned = this.atEnd();
      this.schedule();
      if (this.hooks.onScroll) this.hooks.onScroll(this);
    }, {passive: true});
    new ResizeObserver(() => this.schedule()).observe(scroller);
  }

  /** Empty, pinned to the bottom (another conversation was opened). */
  reset() {
    this.items = [];
    this.heights.clear();
    this.nodes.clear();
    this.pinned = true;
    this.scroller.replaceChildren(this.topSpacer, this.bottomSpacer);
  }

  atEnd() {
    const list = this.scroller;
    return list.scrollHeight - list.scrollTop - list.clientHeight < END_SLACK_PX;
  }

  /** @param {Item[]} items in display order */
  setItems(items) {
    this.items = items;
    this.update();
  }

  schedule() {
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.update();
      });
    }
  }

  estimate() {
    if (!this.heights.size) return FIRST_ESTIMATE_PX;
    let total = 0;
    for (const height of this.heights.values()) total += height;
    return total / this.heights.size;
  }

  /** Top of each item (and the total height at the end) in list pixels. */
  offsets() {
    const guess = this.estimate();
    const offsets = new Float64Array(this.items.length + 1);
    for (let index = 0; index < this.items.length; index += 1) {
      offsets[index + 1] = offsets[index] + (this.heights.get(this.items[index].key) ?? guess);
    }
    return offsets;
  }

  /** The first row on screen and how far below the list's top edge it is. */
  anchor() {
    const top = this.scroller.getBoundingClientRect().top;
    for (const node of this.rows()) {
      const rect = node.getBoundingClientRect();
      if (rect.bottom > top) return {key: node.dataset.key, offset: rect.top - top};
    }
    return null;
  }

  /** The rendered rows, top to bottom. */
  rows() {
    const rows = [];
    for (let node = this.topSpacer.nextElementSibling; node && node !== this.bottomSpacer;
      node = node.nextElementSibling) rows.push(/** @type {HTMLElement} */ (node));
    return rows;
  }

  /** Show the item with this key near the top of the view. */
  scrollToKey(key) {
    const index = this.items.findIndex((item) => item.key === key);
    if (index < 0) return;
    this.pinned = false;
    this.scroller.scrollTop = this.offsets()[index] - 40;
    this.update();
    const node = this.nodes.get(key);
    if (node) this.scroller.scrollTop += node.getBoundingClientRect().top
      - this.scroller.getBoundingClientRect().top - 40;
  }

  scrollToEnd() {
    this.pinned = true;
    this.update();
  }

  update() {
    const list = this.scroller;
    const anchor = this.pinned ? null : this.anchor();
    const offsets = this.offsets();
    const total = offsets[this.items.length];
    const anchorIndex = anchor ? this.items.findIndex((item) => item.key === anchor.key) : -1;
    let viewTop = list.scrollTop;
    if (this.pinned) viewTop = Math.max(0, total - list.clientHeight);
    else if (anchorIndex >= 0) viewTop = offsets[anchorIndex] - anchor.offset;
    const [start, end] = this.range(offsets, viewTop, list.clientHeight);

    const wanted = new Set();
    for (let index = start; index < end; index += 1) wanted.add(this.items[index].key);
    for (const [key, node] of this.nodes) {
      if (!wanted.has(key)) {
        node.remove();
        this.nodes.delete(key);
      }
    }
    let previous = this.topSpacer;
    for (let index = start; index < end; index += 1) {
      const item = this.items[index];
      let node = this.nodes.get(item.key);
      if (!node || node.dataset.signature !== item.signature) {
        const fresh = this.render(item);
        fresh.dataset.signature = item.signature;
        fresh.dataset.key = item.key;
        if (node) node.replaceWith(fresh);
        node = fresh;
        this.nodes.set(item.key, node);
      }
      if (previous.nextSibling !== node) previous.after(node);
      previous = node;
    }
    this.topSpacer.style.height = `${offsets[start]}px`;
    this.bottomSpacer.style.height = `${total - offsets[end]}px`;
    this.measure();

    if (this.pinned) {
      list.scrollTop = list.scrollHeight;
    } else if (anchor && this.nodes.has(anchor.key)) {
      const now = this.nodes.get(anchor.key).getBoundingClientRect().top - list.getBoundingClientRect().top;
      if (Math.abs(now - anchor.offset) >= 1) list.scrollTop += now - anchor.offset;
    }
  }

  /** Rows from just above to just below the view, at most MAX_ROWS around its middle. */
  range(offsets, viewTop, viewHeight) {
    const count = this.items.length;
    const first = Math.max(0, lowerBound(offsets, viewTop - OVERSCAN_PX) - 1);
    let start = first;
    let end = Math.min(count, lowerBound(offsets, viewTop + viewHeight + OVERSCAN_PX) + 1);
    if (end - start > MAX_ROWS) {
      const middle = Math.min(count - 1, lowerBound(offsets, viewTop + viewHeight / 2));
      start = Math.max(0, middle - MAX_ROWS / 2);
      end = Math.min(count, start + MAX_ROWS);
    }
    return [start, end];
  }

  /** Heights of the rendered rows, margins included; the spacers keep the rest in place. */
  measure() {
    let next = this.bottomSpacer.offsetTop;
    const rows = this.rows();
    for (let index = rows.length - 1; index >= 0; index -= 1) {
      const top = rows[index].offsetTop;
      this.heights.set(rows[index].dataset.key, next - top);
      next = top;
    }
  }
}

/** The first index whose offset is >= value (offsets ascend). */
function lowerBound(offsets, value) {
  let low = 0;
  let high = offsets.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (offsets[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

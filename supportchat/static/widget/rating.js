/**
 * The satisfaction prompt shown when a conversation closes (PROTOCOL.md §4 `ticket:rate`):
 * one to five stars as radio buttons, an optional comment, then a thank-you. Loaded on demand.
 */
import {h} from "../shared/helpers.js";
import {adoptStyles} from "./launcher.js";
import {relabel, t} from "./strings.js";

const STYLES = `
.rating { margin: 0 0 .8rem; text-align: left; }
.rating fieldset { margin: 0 0 .5rem; padding: 0; border: 0; }
.rating legend { margin-bottom: .3rem; font-weight: 600; color: var(--_text); }
.stars { display: flex; gap: .25rem; }
.stars label { position: relative; font-size: 1.7rem; line-height: 1; color: var(--_muted); cursor: pointer; }
.stars label.on { color: #b54708; }
.stars input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.stars label:has(input:focus-visible) { outline: 2px solid var(--_focus); outline-offset: 2px; }
.rating .comment-label { display: block; margin-bottom: .2rem; color: var(--_muted); font-size: .9rem; }
.rating textarea { width: 100%; min-height: 3.2rem; padding: .45rem .6rem; border: 1px solid var(--_input-border); border-radius: 8px; background: var(--_input-bg); color: var(--_input-text); font: inherit; resize: vertical; }
.rating .primary { margin-top: .5rem; }
.rating .problem { color: var(--_error-text); margin: .3rem 0 0; }
`;

const COMMENT_LIMIT = 1000;

/**
 * The rating form, in `root`'s styles; `send(score, comment)` resolves when the server took it.
 * @param {ShadowRoot} root
 * @param {(score: number, comment: string) => Promise<void>} send
 * @returns {HTMLElement}
 */
export function ratingPrompt(root, send) {
  adoptStyles(root, STYLES);
  const labels = [];
  const stars = h("div", {class: "stars"});
  for (let score = 1; score <= 5; score += 1) {
    const label = h("label", {},
      h("input", {type: "radio", name: "cs-score", value: String(score), required: true,
        onchange: () => labels.forEach((each, index) => each.classList.toggle("on", index < score))}),
      h("span", {"aria-hidden": "true"}, "★"),
      h("span", {class: "sr-only", "data-t": score === 1 ? "star" : "stars", "data-t-vars": `{"n":${score}}`}));
    labels.push(label);
    stars.append(label);
  }
  const comment = h("textarea", {id: "cs-rating-comment", maxlength: String(COMMENT_LIMIT)});
  const problem = h("p", {class: "problem", role: "alert", hidden: true});
  const button = h("button", {type: "submit", class: "primary", "data-t": "sendRating"});
  const box = h("div", {class: "rating", part: "rating"});
  const form = h("form", {"data-t-label": "rate",
    onsubmit: async (event) => {
      event.preventDefault();
      const chosen = form.querySelector("input[name=cs-score]:checked");
      if (!chosen) return;
      button.disabled = true;
      problem.hidden = true;
      try {
        await send(Number(chosen.value), comment.value.trim());
        const thanks = h("p", {role: "status", tabindex: "-1", "data-t": "thanks"}, t("thanks"));
        box.replaceChildren(thanks);
        thanks.focus();
      } catch (error) {
        problem.textContent = error.code === "conflict" ? t("rated") : error.message;
        problem.hidden = false;
        button.disabled = false;
      }
    }},
  h("fieldset", {}, h("legend", {"data-t": "howDid"}), stars),
  h("label", {class: "comment-label", for: "cs-rating-comment", "data-t": "comment"}),
  comment, problem, button);
  box.append(form);
  relabel(box);
  return box;
}

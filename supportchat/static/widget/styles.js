/** The panel's look; the variables it uses are defined in launcher.js. */
export const PANEL_STYLES = `
.panel { position: absolute; right: 0; bottom: 74px; width: min(380px, calc(100vw - 40px)); height: min(600px, calc(100vh - 114px)); display: flex; flex-direction: column; overflow: hidden; background: var(--_bg); color: var(--_text); border: 1px solid var(--_border); border-radius: 16px; box-shadow: 0 16px 48px rgba(0, 0, 0, .28); }
:host([data-mode="inline"]) .panel { position: static; width: 100%; height: 100%; border: 0; border-radius: 0; box-shadow: none; }
@media (max-width: 480px) {
  :host(:not([data-mode="inline"])) .panel { position: fixed; inset: 0; width: auto; height: auto; border: 0; border-radius: 0; }
  /* The open panel covers the screen; its header has the close button. */
  :host(:not([data-mode="inline"])) .panel:not([hidden]) + .launcher { display: none; }
}
.head { display: flex; align-items: center; gap: .5rem; padding: .8rem 1rem; background: var(--_primary); color: var(--_on-primary); }
.head .titles { flex: 1; min-width: 0; }
.head h2 { margin: 0; font-size: 1rem; font-weight: 650; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.head .status { margin: 0; font-size: .78rem; opacity: .9; }
.head :focus-visible { outline-color: var(--_on-primary); }
.icon-button { width: 38px; height: 38px; padding: 0; border: 0; border-radius: 10px; display: grid; place-items: center; background: transparent; color: inherit; }
.icon-button:hover { background: rgba(255, 255, 255, .16); }
:host([data-mode="inline"]) .head .icon-button { display: none; }
.log { flex: 1; padding: 1rem; overflow-y: auto; background: var(--_surface); }
.log ol { margin: 0; padding: 0; list-style: none; display: flex; flex-direction: column; gap: .55rem; }
.hint { margin: 0; padding: 1.5rem 2rem 0; text-align: center; color: var(--_muted); font-size: .88rem; background: var(--_surface); }
.msg { display: flex; flex-direction: column; align-items: flex-start; max-width: 82%; }
.msg.mine { align-self: flex-end; align-items: flex-end; }
.msg.event { align-self: center; max-width: 100%; color: var(--_muted); font-size: .8rem; text-align: center; }
.name { margin: 0 .3rem .15rem; font-size: .74rem; color: var(--_muted); }
.bubble { padding: .5rem .8rem; border-radius: 16px 16px 16px 4px; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--_bot-bg); color: var(--_bot-text); border: 1px solid var(--_border); }
.mine .bubble { border-radius: 16px 16px 4px 16px; background: var(--_user-bg); color: var(--_user-text); border-color: transparent; }
.bubble a { color: inherit; text-decoration: underline; }
.pending .bubble { opacity: .65; }
.failed .bubble { border: 1px solid var(--_error-border); }
.meta { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .15rem .3rem 0; font-size: .72rem; color: var(--_muted); }
.mine .meta { justify-content: flex-end; text-align: right; }
.meta .problem { color: var(--_error-text); }
.link-button { padding: 0; border: 0; background: none; color: var(--_primary); font-weight: 600; text-decoration: underline; }
.files { display: flex; flex-direction: column; gap: .3rem; margin-top: .3rem; }
.files a { color: inherit; }
.files img { display: block; width: 220px; max-width: 100%; height: 160px; object-fit: scale-down; object-position: left; border-radius: 10px; } /* its box is there before it loads: the log does not move */
.typing { display: flex; align-items: center; gap: .4rem; min-height: 1.6rem; padding: 0 1rem; font-size: .78rem; color: var(--_muted); background: var(--_surface); }
.dots { display: inline-flex; gap: 3px; }
.dots i { width: 6px; height: 6px; border-radius: 50%; background: var(--_typing-dot); animation: cs-blink 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .15s; }
.dots i:nth-child(3) { animation-delay: .3s; }
@keyframes cs-blink { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .dots i { animation: none; } }
.alert { margin: .5rem .75rem 0; padding: .5rem .75rem; border: 1px solid var(--_error-border); border-radius: 10px; background: var(--_error-bg); color: var(--_error-text); font-size: .85rem; }
.handoff { display: block; margin: .25rem auto; }
.closed { padding: .9rem 1rem; border-top: 1px solid var(--_border); text-align: center; background: var(--_bg); }
.closed p { margin: 0 0 .6rem; color: var(--_muted); }
.primary { padding: .55rem 1rem; border: 0; border-radius: 10px; background: var(--_primary); color: var(--_on-primary); font-weight: 600; }
.composer { display: flex; flex-wrap: wrap; align-items: flex-end; gap: .4rem; padding: .6rem; border-top: 1px solid var(--_border); background: var(--_bg); }
.composer textarea { flex: 1; min-width: 0; min-height: 42px; max-height: 132px; margin: 0; padding: .55rem .75rem; resize: none; border: 1px solid var(--_input-border); border-radius: 12px; background: var(--_input-bg); color: var(--_input-text); font: inherit; }
.composer textarea::placeholder { color: var(--_input-placeholder); }
.control { width: 42px; height: 42px; padding: 0; border: 1px solid transparent; border-radius: 12px; display: grid; place-items: center; background: var(--_control-bg); color: var(--_control-text); }
.control:hover { background: var(--_control-hover-bg); }
.send { background: var(--_primary); color: var(--_on-primary); }
.send:hover { background: var(--_primary); filter: brightness(1.1); }
.send[disabled] { opacity: .5; cursor: default; filter: none; }
.chips { flex-basis: 100%; display: flex; flex-wrap: wrap; gap: .35rem; }
.chips:empty { display: none; }
.chip { display: inline-flex; align-items: center; gap: .3rem; max-width: 100%; padding: .2rem .3rem .2rem .6rem; border: 1px solid var(--_border); border-radius: 999px; font-size: .78rem; background: var(--_surface); }
.chip span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.chip button { width: 22px; height: 22px; padding: 0; border: 0; border-radius: 50%; display: grid; place-items: center; background: transparent; color: var(--_muted); }
.chip svg { width: 14px; height: 14px; }
.preview { position: absolute; right: 0; bottom: 70px; width: max-content; max-width: min(280px, calc(100vw - 40px)); padding: .6rem .8rem; border: 1px solid var(--_border); border-radius: 12px; background: var(--_bg); color: var(--_text); text-align: left; box-shadow: 0 6px 20px rgba(0, 0, 0, .18); overflow: hidden; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; }
`;

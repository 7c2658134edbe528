/** Plugins: objects with optional hooks, run in array order, each one isolated. */

/** A copy a plugin may change freely; values that cannot be cloned are handed over as is. */
export function clone(value) {
  try {
    return structuredClone(value);
  } catch (_error) {
    return value; // functions or DOM nodes inside
  }
}

export class Plugins {
  /** @param {object[]} plugins */
  constructor(plugins) {
    this.plugins = Array.isArray(plugins) ? plugins.filter(Boolean) : [];
  }

  /**
   * Call `hook` on every plugin that has it; a hook that throws is logged and skipped.
   * @param {string} hook @param {() => any[]} argsFor fresh arguments for each plugin
   * @returns {Promise<any[]>} what each hook returned (awaited)
   */
  async each(hook, argsFor) {
    const results = [];
    for (const plugin of this.plugins) {
      if (typeof plugin[hook] !== "function") continue;
      try {
        results.push(await plugin[hook](...argsFor()));
      } catch (error) {
        console.warn(`[SupportChat] plugin ${plugin.name || "(unnamed)"} failed in ${hook}:`, error);
      }
    }
    return results;
  }

  /** Fire-and-forget lifecycle hooks (onInit, onWidgetOpen, onTelemetry…). */
  notify(hook, ...args) {
    this.each(hook, () => args.map(clone));
  }

  /**
   * onBeforeSend: each plugin may replace the payload, answer instead of the server, or abort.
   * @param {{clientMsgId: string}} payload
   * @returns {Promise<{payload: object, abort?: boolean, response?: object}>}
   */
  async beforeSend(payload) {
    let current = payload;
    for (const plugin of this.plugins) {
      const [result] = await new Plugins([plugin]).each("onBeforeSend", () => [clone(current)]);
      if (!result || typeof result !== "object") continue;
      if (result.abort) return {payload: current, abort: true};
      if (result.payload) current = Object.assign(clone(result.payload), {clientMsgId: payload.clientMsgId});
      if (result.response) return {payload: current, response: result.response};
    }
    return {payload: current};
  }

  /**
   * onSendError: the first plugin asking for a retry wins.
   * @returns {Promise<{retry: true, waitMs?: number, payload?: object}|null>}
   */
  async sendError(error, payload) {
    for (const plugin of this.plugins) {
      const [advice] = await new Plugins([plugin]).each("onSendError", () => [error, clone(payload)]);
      if (advice && advice.retry) return advice;
    }
    return null;
  }

  /** onMessages: each plugin may return {messages} to enrich or tag them. */
  async messages(list) {
    let current = list;
    for (const plugin of this.plugins) {
      const [result] = await new Plugins([plugin]).each("onMessages", () => [clone(current)]);
      if (result && Array.isArray(result.messages)) current = result.messages;
    }
    return current;
  }
}

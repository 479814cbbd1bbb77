// A page whose API actions other engineers are still adding: it says so, in both languages.
import { send, type Rq } from './core.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import type { MessageKey } from './messages.ts';

/** Pages whose API actions other engineers are still adding: say so, in both languages. */
export async function pendingPage(rq: Rq, titleKey: MessageKey, active: string, actions: string[]): Promise<void> {
  const missing = actions.filter((a) => !rq.deps.invoker.has(a));
  send(rq, 200, layout(rq, rq.t(titleKey), html`<p class="reason">${rq.t('common.notYet', { action: missing.join(', ') })}</p>`, active));
}

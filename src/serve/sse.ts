import type { ServerResponse } from 'node:http';
import type { StreamEvent } from '../providers/types.js';
import { finishReason } from './chat-api.js';

// A provider's stream re-sent as OpenAI's server-sent events: a first chunk with the role and the
// router's fields, a chunk per text delta, one with the finish reason, the usage chunk when the
// client asked for it (stream_options.include_usage), then `data: [DONE]`. The headers go out
// with the first chunk, so from here on the answer is this model's: a failure after it cannot
// fall back, and ends the stream with an error event instead.

export interface StreamMeta {
  id: string;
  created: number;
  model: string;
  router: unknown;
  headers: Record<string, string>;
  includeUsage: boolean;
}

type Done = Extract<StreamEvent, { type: 'done' }>;

/** Relays the stream whose first event is `first`; returns why it broke, if it did. */
export async function relayStream(res: ServerResponse, events: AsyncIterator<StreamEvent>, first: IteratorResult<StreamEvent>, meta: StreamMeta, onDone: (e: Done) => void): Promise<string | undefined> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...meta.headers });
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices, ...extra })}\n\n`);
  const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) => send([{ index: 0, delta, finish_reason: finish, logprobs: null }], extra);
  chunk({ role: 'assistant', content: '' }, null, { router: meta.router });
  let broke: string | undefined;
  let next = first;
  try {
    while (!next.done) {
      const e = next.value;
      if (e.type === 'delta') chunk({ content: e.text }, null);
      else {
        onDone(e);
        chunk({}, finishReason(e.finishReason));
        if (meta.includeUsage && (e.inputTokens !== undefined || e.outputTokens !== undefined)) {
          send([], { usage: { prompt_tokens: e.inputTokens ?? 0, completion_tokens: e.outputTokens ?? 0, total_tokens: (e.inputTokens ?? 0) + (e.outputTokens ?? 0) } });
        }
      }
      next = await events.next();
    }
  } catch (err) {
    broke = `stream broke after the first byte: ${err instanceof Error ? err.message : String(err)}`;
    if (!res.destroyed) res.write(`data: ${JSON.stringify({ error: { message: broke, type: 'upstream_error', param: null, code: null } })}\n\n`);
  }
  if (!res.destroyed) res.end('data: [DONE]\n\n');
  return broke;
}

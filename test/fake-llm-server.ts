import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BIN } from './helpers.ts';
import type { Clock } from '../src/providers/clock.ts';

// A local HTTP server that speaks the two wire formats `router label` uses, so the tests drive
// the real SDKs end to end without a paid API:
//   POST /v1/chat/completions  (OpenAI and compatible servers)
//   POST /v1/messages          (Anthropic)
// Answers are deterministic functions of the model name and the prompt (see `defaultReply`).
// Faults are injected per request: an HTTP status with Retry-After, a malformed body, a slow
// answer, or a request that never gets an answer. Every request is logged with whether it was
// answered, which is what "a paid call" means in the tests.

export type Api = 'openai' | 'anthropic';

export interface FakeRequest {
  api: Api;
  model: string;
  system?: string;
  messages: { role: string; content: string }[];
  /** The whole JSON body as sent. */
  body: Record<string, unknown>;
  /** The key the client sent (x-api-key or Bearer), so tests can check where keys go. */
  key?: string;
  receivedAt: number;
  /** A complete, successful answer was sent. */
  answered: boolean;
  answeredAt?: number;
  fault?: string;
}

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; retryAfterMs?: string; message?: string }
  | { kind: 'malformed' }
  | { kind: 'slow'; ms: number }
  /** Never answer (the socket stays open until the server closes). */
  | { kind: 'hang' }
  /** A status line no HTTP library would send (600, 0, 199), written straight to the socket. */
  | { kind: 'raw-status'; status: number }
  /** A streamed answer whose connection drops after its first two events. */
  | { kind: 'cut-stream' };

export interface FakeServerOptions {
  /** Fixed delay before every answer. */
  delayMs?: number;
  reply?: (req: FakeRequest) => string;
  /** Called for each request with its 0-based index; return a fault to inject one. */
  fault?: (req: FakeRequest, index: number) => Fault | undefined;
  /** When set, a request with another key gets 401 (and the message echoes the key sent, as OpenAI does). */
  requireKey?: string;
}

export interface FakeLlmServer {
  port: number;
  /** For the openai SDK: http://127.0.0.1:PORT/v1 */
  openaiBaseURL: string;
  /** For @anthropic-ai/sdk: http://127.0.0.1:PORT */
  anthropicBaseURL: string;
  requests: FakeRequest[];
  answered(): FakeRequest[];
  options: FakeServerOptions;
  close(): Promise<void>;
}

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** The text between a marker's start and end lines in the default judge templates. */
function block(prompt: string, label: string): string | undefined {
  const m = new RegExp(`<<<${label} ([0-9a-f]+)>>>\\n([\\s\\S]*?)\\n<<<END ${label} \\1>>>`).exec(prompt);
  return m?.[2];
}

const BAD = "I don't know.";

/**
 * The fake models: a model whose name contains "weak" answers `I don't know.` to any query
 * containing "hard"; every other model answers well. The judge prefers an answer that is not
 * `I don't know.` (tie when both or neither are); graders give 8 or 2; confidence is 70.
 * A model named "...-biased" judges by position: it always says [[A]].
 */
export function defaultReply(req: FakeRequest): string {
  const prompt = [req.system ?? '', ...req.messages.map((m) => m.content)].join('\n');
  const last = req.messages.at(-1)?.content ?? '';
  if (/Confidence: \[\[/.test(last)) return 'Confidence: [[70]]';
  const a = block(prompt, 'ANSWER A');
  const b = block(prompt, 'ANSWER B');
  if (a !== undefined && b !== undefined) {
    if (req.model.includes('biased')) return 'Answer A reads better.\n[[A]]';
    if (req.model.includes('garbled')) return 'Both are fine, I would say A or maybe B.';
    const aBad = a.includes(BAD);
    const bBad = b.includes(BAD);
    return aBad === bBad ? 'Both answers are equally good.\n[[C]]' : aBad ? 'B answers the question.\n[[B]]' : 'A answers the question.\n[[A]]';
  }
  const one = block(prompt, 'ANSWER');
  if (one !== undefined) return one.includes(BAD) ? 'Unhelpful.\nRating: [[2]]' : 'Correct and clear.\nRating: [[8]]';
  if (req.model.includes('weak') && /hard/i.test(last)) return BAD;
  const number = /(\d+)\s*\+\s*(\d+)/.exec(last);
  if (number) return `The answer is ${Number(number[1]) + Number(number[2])}.`;
  return `Here is a careful answer to: ${last}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b) => (b && typeof b === 'object' && 'text' in b ? String((b as { text: unknown }).text) : '')).join('');
  return '';
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function errorBody(api: Api, status: number, message: string): unknown {
  return api === 'openai'
    ? { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } }
    : { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message } };
}

/** A streamed answer in the API's own server-sent events, a word per event, usage at the end. */
function sendStream(res: ServerResponse, api: Api, fr: FakeRequest, index: number, reply: string, inputTokens: number, outputTokens: number, cut = false): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const pieces = reply.split(/(?<= )/);
  if (api === 'openai') {
    const chunk = (delta: object, finish: string | null, extra: object = {}) =>
      res.write(`data: ${JSON.stringify({ id: `chatcmpl-${index}`, object: 'chat.completion.chunk', created: 0, model: fr.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`);
    chunk({ role: 'assistant', content: '' }, null);
    if (cut) {
      fr.fault = 'cut-stream';
      chunk({ content: pieces[0] }, null);
      // Let the two events leave before the connection drops mid-answer.
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    for (const p of pieces) chunk({ content: p }, null);
    chunk({}, 'stop');
    res.write(`data: ${JSON.stringify({ id: `chatcmpl-${index}`, object: 'chat.completion.chunk', created: 0, model: fr.model, choices: [], usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens } })}\n\n`);
    res.end('data: [DONE]\n\n');
    return;
  }
  const event = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', { message: { id: `msg_${index}`, type: 'message', role: 'assistant', model: fr.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 0 } } });
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const p of pieces) event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: p } });
  event('content_block_stop', { index: 0 });
  event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: outputTokens } });
  event('message_stop', {});
  res.end();
}

export async function startFakeLlmServer(options: FakeServerOptions = {}): Promise<FakeLlmServer> {
  const requests: FakeRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      const api: Api | undefined = req.url === '/v1/chat/completions' ? 'openai' : req.url === '/v1/messages' ? 'anthropic' : undefined;
      if (req.method !== 'POST' || !api) return sendJson(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
      const body = JSON.parse(text) as Record<string, unknown>;
      const rawMessages = (body.messages as { role: string; content: unknown }[]) ?? [];
      const systemMsg = api === 'openai' ? rawMessages.find((m) => m.role === 'system') : undefined;
      // Anthropic's SDK sends x-api-key or a bearer token depending on its version; accept both.
      const auth = (req.headers['x-api-key'] as string | undefined) ?? req.headers.authorization?.replace(/^Bearer\s+/, '');
      const fr: FakeRequest = {
        api,
        model: String(body.model),
        ...(api === 'anthropic' && body.system !== undefined ? { system: contentText(body.system) } : systemMsg ? { system: contentText(systemMsg.content) } : {}),
        messages: rawMessages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: contentText(m.content) })),
        body,
        ...(auth !== undefined ? { key: auth } : {}),
        receivedAt: performance.now(),
        answered: false,
      };
      const index = requests.length;
      requests.push(fr);
      if (options.requireKey !== undefined && auth !== options.requireKey) {
        fr.fault = '401';
        return sendJson(res, 401, errorBody(api, 401, `Incorrect API key provided: ${auth}`));
      }
      const fault = options.fault?.(fr, index);
      if (fault?.kind === 'hang') {
        fr.fault = 'hang';
        return;
      }
      const delay = (options.delayMs ?? 0) + (fault?.kind === 'slow' ? fault.ms : 0);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      if (res.destroyed || res.writableEnded || req.socket.destroyed) {
        fr.fault = 'client went away';
        return;
      }
      if (fault?.kind === 'status') {
        fr.fault = String(fault.status);
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = fault.retryAfterMs;
        // The SDKs would otherwise obey x-should-retry; the retry decision must be ours.
        return sendJson(res, fault.status, errorBody(api, fault.status, fault.message ?? `injected ${fault.status}`), headers);
      }
      if (fault?.kind === 'raw-status') {
        fr.fault = `raw ${fault.status}`;
        const text = JSON.stringify(errorBody(api, 500, 'odd status'));
        req.socket.end(`HTTP/1.1 ${fault.status} Odd\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
        return;
      }
      if (fault?.kind === 'malformed') {
        fr.fault = 'malformed';
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(api === 'openai' ? '{"id":"chatcmpl-1","choices":[{"message":{"content":"trunc' : '{"id":"msg_1","content":[{"type":"te');
      }
      const reply = (options.reply ?? defaultReply)(fr);
      const inputTokens = words(fr.system ?? '') + fr.messages.reduce((s, m) => s + words(m.content), 0);
      const outputTokens = words(reply);
      fr.answered = true;
      fr.answeredAt = performance.now();
      if (body.stream === true) return sendStream(res, api, fr, index, reply, inputTokens, outputTokens, fault?.kind === 'cut-stream');
      if (api === 'openai') {
        sendJson(res, 200, {
          id: `chatcmpl-${index}`,
          object: 'chat.completion',
          created: 0,
          model: fr.model,
          choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
          usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
        });
      } else {
        sendJson(res, 200, {
          id: `msg_${index}`,
          type: 'message',
          role: 'assistant',
          model: fr.model,
          content: [{ type: 'text', text: reply }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: outputTokens },
        });
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake server bug: ${(err as Error).message}` } });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    openaiBaseURL: `http://127.0.0.1:${port}/v1`,
    anthropicBaseURL: `http://127.0.0.1:${port}`,
    requests,
    answered: () => requests.filter((r) => r.answered),
    options,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SpawnedCli {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Variables that would point a run at a real provider (keys, base URLs), or make it behave as in CI. */
function isProviderVariable(name: string): boolean {
  return /^(OPENAI|ANTHROPIC)_/.test(name) || name === 'CI';
}

/**
 * The environment for `cli()` (test/cli.ts), which adds to this process's: `env` as the only
 * provider variables, the others removed for the call, as spawnCli does for a child.
 */
export function providerEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const cleared: NodeJS.ProcessEnv = { CI: undefined };
  for (const k of Object.keys(process.env)) if (isProviderVariable(k)) cleared[k] = undefined;
  return { ...cleared, ...env };
}

/**
 * Runs the built CLI without blocking this process, so the fake server (in this process) can
 * answer it; `runCli` in helpers.ts blocks the event loop and cannot be used against it.
 * `env` replaces the provider variables entirely: tests never see the developer's real keys.
 * `onSpawn` gets a way to signal the child, its pid, and what it has printed so far.
 */
export function spawnCli(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  onSpawn?: (kill: (signal: NodeJS.Signals) => void, pid: number, output: () => { stdout: string; stderr: string }) => void,
): Promise<SpawnedCli> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !isProviderVariable(k)) base[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...base, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onSpawn?.((signal) => child.kill(signal), child.pid!, () => ({ stdout, stderr }));
  });
}

/**
 * Real time running `factor` times faster, for runs against this server that retry: a backoff of
 * 0.5 s takes 5 ms, a Retry-After of 1 s 10 ms, and the rate limiter, reading the same clock,
 * agrees about how much time has passed. Sleeps still go through the event loop, so the server
 * (in this process) answers meanwhile.
 */
export function fastClock(factor = 100): Clock {
  return { now: () => performance.now() * factor, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms) / factor)) };
}

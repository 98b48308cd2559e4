import { Agent, request } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { ApiError } from './api-error.js';

// A fetch for plain-HTTP base URLs (local OpenAI-compatible servers: vLLM, Ollama, LM Studio,
// llama.cpp), handed to the SDKs through their `fetch` option. Node's built-in fetch spends about
// 2 ms of CPU per call on a 2-core VM; node:http with a keep-alive agent about 1.3 ms (measured
// with the openai SDK against the label benchmark's server), which is what lets `router label`
// keep 16 calls in flight against a fast local server. HTTPS endpoints (the hosted APIs, where
// TLS, proxies and redirects matter and rate limits cap the pace anyway) keep the SDKs' own
// fetch, and so does any request this does not handle: a streamed body or a Request object.

const agent = new Agent({ keepAlive: true });

type FetchInput = string | URL | Request;

function decode(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  if (encoding === 'br') return brotliDecompressSync(body);
  return body;
}

const DROPPED = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);

export function plainHttpFetch(input: FetchInput, init: RequestInit = {}): Promise<Response> {
  const body = init.body;
  const simpleBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  if (input instanceof Request || !simpleBody) return fetch(input, init);
  const url = new URL(input);
  if (url.protocol !== 'http:') return fetch(input, init);
  return new Promise<Response>((resolve, reject) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => (headers[key] = value));
    headers['accept-encoding'] = 'gzip, deflate, br';
    const req = request(url, { method: init.method ?? 'GET', headers, agent, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        let data: Buffer;
        try {
          data = decode(Buffer.concat(chunks), res.headers['content-encoding']);
        } catch (err) {
          reject(err);
          return;
        }
        const out = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (!DROPPED.has(res.rawHeaders[i]!.toLowerCase())) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        }
        const status = res.statusCode ?? 0;
        // A Response cannot carry such a status (the constructor throws, and from inside this
        // callback that would kill the process): a broken server is a failed call, retried like a 5xx.
        if (status < 200 || status > 599) {
          reject(new ApiError(`HTTP status ${status} is not a valid answer`, { kind: 'http', status, retryable: true }));
          return;
        }
        const empty = status === 204 || status === 205 || status === 304;
        resolve(new Response(empty ? null : data, { status, statusText: res.statusMessage ?? '', headers: out }));
      });
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

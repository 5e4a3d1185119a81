// The llama-cpp sidecar: a local GGUF model behind a small HTTP API on 127.0.0.1, run by the kernel
// as a supervised process (node-llama-cpp is native code and cannot run in an isolate).
//   GET  /healthz         readiness probe, and what was generated so far
//   POST /v1/completions  { modelPath, prompt, threads?, contextSize?, temperature?, maxTokens?, stop?, ignoreEos? }
//                         answered as NDJSON: {"type":"text","delta"} lines, then one
//                         {"type":"done","finishReason","usage"} or {"type":"error","message"}
// Every request must carry the token the kernel gave this process (x-penny-sidecar-token), so
// nothing else on this machine can use it. Closing the request stops the generation.
import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { getLlama, LlamaCompletion } from 'node-llama-cpp';
/* global AbortController */

const port = Number(process.env.PENNY_SIDECAR_PORT);
const token = Buffer.from(process.env.PENNY_SIDECAR_TOKEN ?? '');
const MAX_BODY = 4 << 20;
const MAX_CACHED_MODELS = 2;

if (!Number.isInteger(port) || port <= 0 || token.length === 0) {
  process.stderr.write('PENNY_SIDECAR_PORT and PENNY_SIDECAR_TOKEN must be set\n');
  process.exit(64);
}

// Never build or download: the prebuilt CPU binary that ships with the package, or nothing.
const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: 'error' });
/** Loaded models by path, oldest first, so a tenant that switches models does not pile them up. */
const models = new Map();

/** Served by /healthz: generations running, and how the last one ended. */
const stats = { generating: 0, completions: 0, last: null };

class BadRequest extends Error {}

function authorized(req) {
  const given = Buffer.from(String(req.headers['x-penny-sidecar-token'] ?? ''));
  return given.length === token.length && timingSafeEqual(given, token);
}

async function modelAt(modelPath) {
  if (typeof modelPath !== 'string' || !path.isAbsolute(modelPath) || !modelPath.endsWith('.gguf')) {
    throw new BadRequest('modelPath must be an absolute path to a .gguf file');
  }
  let file;
  try {
    file = statSync(modelPath);
  } catch {
    throw new BadRequest(`no model file at ${modelPath}`);
  }
  if (!file.isFile()) throw new BadRequest(`${modelPath} is not a file`);
  let loading = models.get(modelPath);
  if (!loading) {
    loading = llama.loadModel({ modelPath });
    models.set(modelPath, loading);
    loading.catch(() => models.delete(modelPath));
    if (models.size > MAX_CACHED_MODELS) {
      const [oldest, evicted] = models.entries().next().value;
      models.delete(oldest);
      void evicted.then((m) => m.dispose()).catch(() => undefined);
    }
  }
  return loading;
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new BadRequest(`request body over ${MAX_BODY} bytes`));
      else parts.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString('utf8')));
      } catch {
        reject(new BadRequest('request body must be JSON'));
      }
    });
    req.on('error', reject);
  });
}

const integer = (value, fallback, min, max) => (Number.isInteger(value) ? Math.min(Math.max(value, min), max) : fallback);

async function complete(req, res) {
  const body = await readJson(req);
  if (typeof body?.prompt !== 'string') throw new BadRequest('prompt must be a string');
  const model = await modelAt(body.modelPath);
  // Threads always explicit: the library's default (every core) crawls on a busy machine.
  const threads = integer(body.threads, 1, 1, availableParallelism());
  const contextSize = integer(body.contextSize, Math.min(model.trainContextSize, 4096), 64, model.trainContextSize);
  const maxTokens = integer(body.maxTokens, 512, 1, contextSize);
  const temperature = typeof body.temperature === 'number' && body.temperature >= 0 ? body.temperature : 0;
  const stop = Array.isArray(body.stop) ? body.stop.filter((s) => typeof s === 'string' && s.length > 0).slice(0, 8) : [];
  // Like llama.cpp's own server: keep going past the end of text until maxTokens (for measurements).
  const ignoreEos = body.ignoreEos === true;

  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const context = await model.createContext({ contextSize, threads });
  stats.generating++;
  let finishReason = 'stop';
  let inputTokens = 0;
  let outputTokens = 0;
  try {
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    inputTokens = model.tokenize(body.prompt).length;
    const budget = Math.min(maxTokens, Math.max(1, contextSize - inputTokens - 1));
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    const write = (event) => void (!res.destroyed && res.write(`${JSON.stringify(event)}\n`));
    let text = '';
    for (;;) {
      // onTextChunk hands over text decoded across token boundaries, so no space or multi-byte
      // character is lost between chunks.
      const { metadata } = await completion.generateCompletionWithMeta(body.prompt + text, {
        onTextChunk: (delta) => {
          text += delta;
          write({ type: 'text', delta });
        },
        onToken: (tokens) => void (outputTokens += tokens.length),
        signal: abort.signal,
        stopOnAbortSignal: true,
        maxTokens: budget - outputTokens,
        temperature,
        ...(stop.length ? { customStopTriggers: stop } : {}),
      });
      finishReason =
        abort.signal.aborted || metadata.stopReason === 'abort' ? 'cancelled' : metadata.stopReason === 'maxTokens' ? 'length' : 'stop';
      if (!ignoreEos || metadata.stopReason !== 'eogToken' || outputTokens >= budget) break;
      text += '\n';
      write({ type: 'text', delta: '\n' });
    }
    write({ type: 'done', finishReason, usage: { inputTokens, outputTokens } });
    res.end();
  } finally {
    stats.generating--;
    stats.completions++;
    stats.last = { finishReason, inputTokens, outputTokens };
    await context.dispose();
  }
}

const server = http.createServer((req, res) => {
  if (!authorized(req)) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"missing or wrong sidecar token"}');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://sidecar');
  if (req.method === 'GET' && url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, models: models.size, ...stats }));
    return;
  }
  if (req.method === 'POST' && url.pathname === '/v1/completions') {
    complete(req, res).catch((error) => {
      const status = error instanceof BadRequest ? 400 : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
      else if (!res.destroyed) res.end(`${JSON.stringify({ type: 'error', message })}\n`);
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
});

// Loopback only: the kernel checks that nothing else is listening.
server.listen(port, '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// Runs first in every isolate: installs the web-platform shim and the `penny` global, and leaves
// `__pennyDispatch` for the host to take (and remove) before extension code runs.
import {
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
  ReadableStream,
  TransformStream,
  WritableStream,
} from 'web-streams-polyfill';
import { console, timers } from './bridge.ts';
import type { IsolateConfig } from './contract.ts';
import { createPenny } from './penny.ts';
import { AbortController, AbortSignal, DOMException, Event, EventTarget, useTimerForAbortSignal } from './web-events.ts';
import { FormData, Headers, Request, Response, fetch } from './web-fetch.ts';
import { TextDecoder, TextEncoder, atob, btoa } from './web-text.ts';
import { URL, URLSearchParams } from './web-url.ts';

const global = globalThis as unknown as Record<string, unknown>;
const config = global.__pennyConfig as IsolateConfig;
delete global.__pennyConfig;

useTimerForAbortSignal(timers.setTimeout);

const shim: Record<string, unknown> = {
  ...timers,
  console,
  fetch,
  Headers,
  Request,
  Response,
  FormData,
  URL,
  URLSearchParams,
  TextEncoder,
  TextDecoder,
  atob,
  btoa,
  AbortController,
  AbortSignal,
  DOMException,
  Event,
  EventTarget,
  ReadableStream,
  WritableStream,
  TransformStream,
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
};
for (const [name, value] of Object.entries(shim)) {
  Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
}

const { api, dispatch } = createPenny(config);
Object.defineProperty(global, 'penny', { value: api, writable: false, configurable: false, enumerable: false });
global.__pennyDispatch = dispatch;

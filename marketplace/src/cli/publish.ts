// `penny-ext publish`: uploads a signed bundle to a kernel's marketplace API. The kernel verifies it
// again; this side only makes sure nothing unsigned or malformed leaves the author's machine.

import { readEntries } from '../bundle.ts';
import { BundleError } from '../errors.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { parseSignatureDocument, readManifest, SIGNATURE_FILE } from '../signature.ts';
import { CliError } from './errors.ts';
import { readBundle } from './trust.ts';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.penny.extension+zip';
export const PUBLISH_PATH = '/v1/marketplace/bundles';

export async function publishCommand(
  bundlePath: string,
  options: { url: string; token?: string },
  print: (line: string) => void,
): Promise<void> {
  if (!options.token)
    throw new CliError('no API token: pass --token <token> or set PENNY_TOKEN (create a token in the Penny admin console)');
  let endpoint: URL;
  try {
    endpoint = new URL(options.url.replace(/\/+$/, '') + PUBLISH_PATH);
  } catch {
    throw new CliError(`--url ${JSON.stringify(options.url)} is not a URL; pass the kernel's base address, e.g. https://penny.example.com`);
  }
  const bytes = await readBundle(bundlePath);
  const { id, keyId } = describeSigned(bytes, bundlePath);

  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.token}`,
        'content-type': BUNDLE_MEDIA_TYPE,
        accept: 'application/json, application/problem+json',
      },
      body: bytes,
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new CliError(`could not reach ${endpoint.origin}: ${cause}; check --url and that the kernel is running`);
  }
  const text = await response.text();
  if (!response.ok) throw new CliError(describeProblem(response, text, endpoint));
  print(`published ${id} (signed by ${keyId}) to ${endpoint.origin}: HTTP ${response.status}`);
  if (text.trim()) print(text.trim());
}

function describeSigned(bytes: Uint8Array, bundlePath: string): { id: string; keyId: string } {
  try {
    const entries = readEntries(bytes, DEFAULT_LIMITS);
    const signature = entries.find((entry) => entry.path === SIGNATURE_FILE);
    if (!signature) throw new CliError(`${bundlePath} is not signed; sign it first: penny-ext sign ${bundlePath} --key <key>`);
    const { keyId } = parseSignatureDocument(signature.bytes);
    const manifest = readManifest(entries.filter((entry) => entry !== signature)).json;
    return { id: `${String(manifest['publisher'])}.${String(manifest['name'])}@${String(manifest['version'])}`, keyId };
  } catch (error) {
    if (error instanceof BundleError) throw new CliError(`${bundlePath} is not a usable bundle [${error.code}]: ${error.message}`);
    throw error;
  }
}

/** The kernel answers errors as RFC 9457 problem details; its `detail` is written for the author. */
function describeProblem(response: Response, body: string, endpoint: URL): string {
  let problem: { title?: unknown; detail?: unknown } = {};
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      problem = JSON.parse(body) as typeof problem;
    } catch {
      problem = {};
    }
  }
  const detail =
    typeof problem.detail === 'string'
      ? problem.detail
      : typeof problem.title === 'string'
        ? problem.title
        : body.trim().slice(0, 500) || response.statusText;
  const hints: Record<number, string> = {
    401: 'check --token: it is missing, expired or revoked',
    403: 'the token may not publish: use a platform admin token or one of a trusted publisher',
    404: `no marketplace API at ${endpoint.href}; check --url`,
    409: 'this version is already published; raise "version" in the manifest, then build, pack and sign again',
    413: 'the bundle is larger than the kernel accepts',
  };
  const hint = hints[response.status];
  return `publishing failed: HTTP ${response.status}: ${detail}${hint ? `\n${hint}` : ''}`;
}

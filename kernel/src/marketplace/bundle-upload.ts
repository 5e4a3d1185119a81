// The raw body of `POST /v1/marketplace/bundles`. A bundle over the limit is still read to its end
// (and dropped), so the refusal reaches the handler, is audited, and the client gets the answer
// instead of a reset connection.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { ForbiddenError, UnauthorizedError } from '../core/errors.ts';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.penny.extension+zip';

/**
 * The bytes live in private fields: the server's request hygiene walks every enumerable member of
 * a body, which for a 20 MiB buffer would mean twenty million entries.
 */
export class BundleUpload {
  readonly #bytes: Uint8Array | null;
  readonly #size: number;

  private constructor(bytes: Uint8Array | null, size: number) {
    this.#bytes = bytes;
    this.#size = size;
  }

  static of(bytes: Uint8Array): BundleUpload {
    return new BundleUpload(bytes, bytes.length);
  }

  static tooLarge(size: number): BundleUpload {
    return new BundleUpload(null, size);
  }

  /** Null when the upload was over the limit. */
  get bytes(): Uint8Array | null {
    return this.#bytes;
  }

  get size(): number {
    return this.#size;
  }
}

export function addBundleParser(scope: FastifyInstance, limit: number): void {
  scope.addContentTypeParser(BUNDLE_MEDIA_TYPE, async (request: FastifyRequest, payload: IncomingMessage) => {
    // Only a platform administrator may publish: nobody else gets to make the server read 20 MiB.
    const principal = request.principal;
    if (!principal) throw new UnauthorizedError('Sign in first: send the session cookie or an Authorization: Bearer token.');
    if (!principal.isPlatformAdmin || principal.token) throw new ForbiddenError('Only a platform administrator signed in (not by a personal access token) may publish extensions.');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of payload as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    }
    return size > limit ? BundleUpload.tooLarge(size) : BundleUpload.of(new Uint8Array(Buffer.concat(chunks, size)));
  });
}

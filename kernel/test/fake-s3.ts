// A loopback server that speaks the part of the S3 REST API the object store uses (path-style
// buckets: HEAD and PUT a bucket, PUT and GET an object), for tests of S3-compatible storage
// driven through the real AWS SDK. It checks that every request is signed (SigV4) with the
// expected access key, and records what it was asked.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

export class FakeS3 {
  readonly buckets = new Map<string, Map<string, Buffer>>();
  readonly requests: { method: string; path: string }[] = [];

  private readonly server: Server = createServer((req, res) => void this.handle(req, res));

  private constructor(readonly accessKeyId: string) {}

  static async start(accessKeyId: string): Promise<FakeS3> {
    const fake = new FakeS3(accessKeyId);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://s3').pathname);
    this.requests.push({ method: req.method ?? '', path });
    const error = (status: number, code: string) => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(req.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
    };
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith(`AWS4-HMAC-SHA256 Credential=${this.accessKeyId}/`)) return error(403, 'InvalidAccessKeyId');
    if (req.headers['content-encoding']?.includes('aws-chunked')) return error(501, 'NotImplemented');
    const [, bucketName, ...rest] = path.split('/');
    const key = rest.join('/');
    const bucket = this.buckets.get(bucketName ?? '');
    if (!key) {
      if (req.method === 'HEAD') return bucket ? void res.writeHead(200).end() : error(404, 'NoSuchBucket');
      if (req.method === 'PUT') {
        this.buckets.set(bucketName!, bucket ?? new Map());
        res.writeHead(200, { location: `/${bucketName}` }).end();
        return;
      }
      return error(405, 'MethodNotAllowed');
    }
    if (!bucket) return error(404, 'NoSuchBucket');
    if (req.method === 'PUT') {
      bucket.set(key, body);
      res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` }).end();
      return;
    }
    if (req.method === 'GET') {
      const object = bucket.get(key);
      if (!object) return error(404, 'NoSuchKey');
      res.writeHead(200, { 'content-length': object.length, 'content-type': 'application/octet-stream', etag: `"${createHash('md5').update(object).digest('hex')}"`, 'last-modified': new Date().toUTCString() });
      res.end(object);
      return;
    }
    error(405, 'MethodNotAllowed');
  }
}

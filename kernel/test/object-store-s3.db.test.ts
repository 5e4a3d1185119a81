// Artifact contents in an S3-compatible bucket, through the real AWS SDK, against a loopback server
// that speaks the S3 REST API: the bucket is created on the first write, requests are signed with
// the configured key, contents come back byte for byte, and nothing lands in the local folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';
import { FakeS3 } from './fake-s3.ts';

describe('artifacts in an S3-compatible bucket', () => {
  let s3: FakeS3;
  let k: TestKernel;
  let api: Api;

  beforeAll(async () => {
    s3 = await FakeS3.start('AKIAPENNYTEST');
    k = await startTestKernel({
      config: {
        demoTenant: false,
        objectStore: { kind: 's3', endpoint: s3.url, bucket: 'penny-artifacts', region: 'us-east-1', accessKeyId: 'AKIAPENNYTEST', secretAccessKey: 'not-a-real-secret', forcePathStyle: true },
      },
    });
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    await admin.post('/v1/tenants', { slug: 's3co', name: 'S3 Co' });
    api = new Api(k.url, admin.token, 's3co');
  });
  afterAll(async () => {
    await k?.stop();
    await s3?.close();
  });

  it('stores published contents in the bucket and serves them back', async () => {
    const text = '# Quarterly notes\n\nRevenue is up — ünïcödé survives.\n';
    const published = await api.post('/v1/artifacts', { mimeType: 'text/markdown', title: 'Notes', encoding: 'text', data: text });
    expect(published.status).toBe(201);
    const bucket = s3.buckets.get('penny-artifacts');
    expect(bucket, 'the first write creates the bucket').toBeDefined();
    expect(bucket!.size).toBe(1);
    expect([...bucket!.values()][0]!.toString('utf8')).toContain('ünïcödé');

    const content = await api.request('GET', `/v1/artifacts/${published.body.artifactId}/content`);
    expect(content.status).toBe(200);
    expect(content.body).toBe(text);
    expect(s3.requests.map((r) => r.method)).toEqual(expect.arrayContaining(['HEAD', 'PUT', 'GET']));
    await expect(fs.readdir(path.join(k.db.dataDir, 'objects'))).rejects.toThrow();
  });

  it('keeps identical contents once and a new version as a new object', async () => {
    const before = s3.buckets.get('penny-artifacts')!.size;
    const first = await api.post('/v1/artifacts', { mimeType: 'application/json', title: 'Same', data: { a: 1 } });
    await api.post('/v1/artifacts', { mimeType: 'application/json', title: 'Same again', data: { a: 1 } });
    expect(s3.buckets.get('penny-artifacts')!.size).toBe(before + 1);
    const second = await api.post('/v1/artifacts', { artifactId: first.body.artifactId, mimeType: 'application/json', title: 'Same', data: { a: 2 } });
    expect(second.body.version).toBe(2);
    expect(s3.buckets.get('penny-artifacts')!.size).toBe(before + 2);
  });
});

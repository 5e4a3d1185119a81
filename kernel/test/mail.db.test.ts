// Invitations are mailed through SMTP when it is configured (a real SMTP server on loopback).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel, type TestKernel } from './harness.ts';

describe('invitation mail', () => {
  let k: TestKernel;
  let smtp: SMTPServer;
  const inbox: { to: string; subject: string; text: string }[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        simpleParser(stream).then((mail) => {
          inbox.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), subject: mail.subject ?? '', text: mail.text ?? '' });
          callback();
        }, callback);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    k = await startTestKernel({ config: { smtpUrl: `smtp://127.0.0.1:${port}`, publicUrl: 'https://penny.example' } });
  });
  afterAll(async () => {
    await k?.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('mails the link, and the link accepts the invitation', async () => {
    const admin = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD, 'demo');
    const invite = await admin.post('/v1/invitations', { email: 'dana@example.test', role: 'creator' });
    expect(invite.body.emailed).toBe(true);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]!.to).toBe('dana@example.test');
    expect(inbox[0]!.subject).toContain('Demo Company');
    const token = /#token=(penny_inv_[\w-]+)/.exec(inbox[0]!.text)?.[1];
    expect(inbox[0]!.text).toContain('https://penny.example/invitations/accept#token=');
    const accepted = await new Api(k.url).post('/v1/invitations/accept', { token, password: 'dana-secret-password' });
    expect(accepted.status).toBe(201);
  });
});

// Outgoing mail: SMTP through nodemailer when SMTP_URL is set; otherwise messages are only logged,
// and callers hand links back in their API responses instead.
import { inject, injectable } from 'inversify';
import nodemailer, { type Transporter } from 'nodemailer';
import { KernelConfig } from '../config/config.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  readonly enabled: boolean;
  /** Resolves true when the message was handed to the SMTP server. */
  send(message: MailMessage): Promise<boolean>;
}
export const Mailer = Symbol('Mailer');

@injectable()
export class SmtpMailer implements Mailer {
  private transport: Transporter | undefined;

  constructor(@inject(KernelConfig) private readonly config: KernelConfig) {
    if (config.smtpUrl) this.transport = nodemailer.createTransport(config.smtpUrl);
  }

  get enabled(): boolean {
    return this.transport !== undefined;
  }

  async send(message: MailMessage): Promise<boolean> {
    if (!this.transport) return false;
    await this.transport.sendMail({ from: this.config.mailFrom, ...message });
    return true;
  }
}

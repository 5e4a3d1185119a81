// Outgoing mail (SMTP when configured).
import { ContainerModule } from 'inversify';
import { Mailer, SmtpMailer } from './mailer.ts';

export const mailModule = new ContainerModule(({ bind }) => {
  bind(Mailer).to(SmtpMailer).inSingletonScope();
});

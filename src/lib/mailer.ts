import nodemailer from "nodemailer";

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  pass?: string;
  from: string;
  /** Verify the server's TLS certificate (turn off only for a self-signed relay). */
  tls_reject_unauthorized: boolean;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The one link the message carries; what the log shows when no SMTP is configured. */
  link: string;
}

/** Sends e-mail; the only thing the magic-link flow knows about SMTP. */
export interface Mailer {
  /** True when messages reach a mailbox (SMTP); false when they only go to the server log. */
  readonly delivers: boolean;
  send(message: MailMessage): Promise<void>;
}

/** A nodemailer SMTP transport. Throws when the relay refuses or cannot be reached. */
export function smtpMailer(settings: SmtpSettings): Mailer {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: settings.pass ?? "" } : undefined,
    tls: { rejectUnauthorized: settings.tls_reject_unauthorized },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    delivers: true,
    async send({ to, subject, text, html }) {
      await transport.sendMail({ from: settings.from, to, subject, text, html });
    },
  };
}

/** With no SMTP configured, messages go to the server log (the spec's development mode). */
export function logMailer(log: (message: MailMessage) => void): Mailer {
  return {
    delivers: false,
    async send(message) {
      log(message);
    },
  };
}

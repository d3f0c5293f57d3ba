/**
 * E-mail through one SMTP server (SMTP_URL, SMTP_FROM), with nodemailer.
 *
 * No connection pool: alerts come a few at a time, paced by the dispatcher's rate limits, and
 * a fresh connection per message ties every SMTP reply to exactly one delivery, never leaves an
 * idle connection for the server to drop, and needs no close() in an interface that has none.
 *
 * The Message-ID is derived from the delivery id, so a retry of the same delivery carries the
 * same Message-ID and a receiving server or client that deduplicates on it shows one mail.
 */
import nodemailer from 'nodemailer';
import { DeliveryError, type ChannelAdapter, type OutboundMessage } from '../channel.js';
import { DEFAULT_TIMEOUT_MS } from './config.js';

export interface EmailAdapterOptions {
  /** smtp://[user:pass@]host[:port] or smtps://…; STARTTLS is used when the server offers it. */
  url: string;
  /** The From header, e.g. `三账一表 <noreply@county.gov.cn>`. */
  from: string;
  timeoutMs?: number;
}

export function createEmailAdapter(opts: EmailAdapterOptions): ChannelAdapter {
  const server = new URL(opts.url);
  const bucket = `smtp:${server.hostname}:${server.port || (server.protocol === 'smtps:' ? 465 : 587)}`;
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const transport = nodemailer.createTransport({
    host: server.hostname,
    port: server.port ? Number(server.port) : undefined,
    secure: server.protocol === 'smtps:',
    auth: server.username
      ? { user: decodeURIComponent(server.username), pass: decodeURIComponent(server.password) }
      : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  const fromDomain = /@([^>\s]+)>?\s*$/.exec(opts.from)?.[1] ?? server.hostname;

  return {
    channel: 'email',
    bucketOf: () => bucket,
    async send(m: OutboundMessage) {
      try {
        const info = await transport.sendMail({
          from: opts.from,
          to: m.address,
          subject: m.subject,
          text: m.text,
          html: html(m),
          messageId: `<${m.deliveryId}@${fromDomain}>`,
          headers: { 'Content-Language': m.locale },
        });
        // The server's queue id ("250 2.0.0 Ok: queued as 4XyZ") finds the mail in its logs.
        const queued = /queued as\s+(\S+)/i.exec(info.response ?? '')?.[1];
        return { vendorId: queued ?? info.messageId };
      } catch (e) {
        throw smtpError(e);
      }
    },
  };
}

/** 4xx (and no answer at all) may pass later; 5xx is the server's final word on this message. */
export function smtpError(e: unknown): DeliveryError {
  const err = e as { responseCode?: number; code?: string; message?: string };
  const message = err.message ?? String(e);
  if (typeof err.responseCode === 'number') {
    const permanent = err.responseCode >= 500;
    return new DeliveryError(`smtp-${err.responseCode}`, message, !permanent);
  }
  // EAUTH without a code, EENVELOPE (no valid recipient), EMESSAGE: fixing them needs a person.
  if (err.code === 'EAUTH' || err.code === 'EENVELOPE' || err.code === 'EMESSAGE') {
    return new DeliveryError(`smtp-${err.code}`, message, false);
  }
  // ECONNECTION, ETIMEDOUT, ESOCKET, EDNS…: the server was not reached or went away.
  return new DeliveryError(`smtp-${err.code ?? 'error'}`, message, true);
}

function html(m: OutboundMessage): string {
  const body = escapeHtml(m.text).replace(/\n/g, '<br>\n');
  const button = m.link
    ? `<p><a href="${escapeHtml(m.link)}">${m.locale === 'zh-CN' ? '查看详情' : 'Open in the console'}</a></p>`
    : '';
  return `<!doctype html><html lang="${m.locale}"><body><p>${body}</p>${button}</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

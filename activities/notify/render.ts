/**
 * The renderer the notify activity and the admin preview use: the channel templates
 * (`domain/notifications/templates.ts`) with the console's base URL and the SMS templates.
 */
import { renderNotification } from '#domain/notifications/templates.js';
import type { ChannelsConfig } from './channels/config.js';
import type { Render } from './delivery-config.js';

export function templateRender(cfg: Pick<ChannelsConfig, 'publicUrl' | 'smsTemplates'>): Render {
  return (facts, locale) =>
    renderNotification(facts, locale, { baseUrl: cfg.publicUrl, smsTemplates: cfg.smsTemplates });
}

/** Links relative to the console and no SMS templates: what a process with no channels configured renders. */
export const unconfiguredRender: Render = templateRender({
  publicUrl: '',
  smsTemplates: { deadline: null, text: null },
});

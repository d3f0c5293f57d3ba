/**
 * The daily digest: a user who chose it gets the day's reminders (severity info) as one e-mail
 * listing each, rendered from the messages already rendered for them one by one.
 */
export interface DigestItem {
  subject: string;
  text: string;
  link: string | null;
}

export function renderDigest(
  items: readonly DigestItem[],
  locale: 'zh-CN' | 'en',
): { subject: string; text: string; markdown: string } {
  const subject =
    locale === 'en'
      ? `Daily reminders: ${items.length} item${items.length === 1 ? '' : 's'}`
      : `每日提醒：共 ${items.length} 条`;
  const blocks = items.map((it, i) =>
    [`${i + 1}. ${it.subject}`, it.text.trim(), ...(it.link ? [it.link] : [])].join('\n'),
  );
  const text = blocks.join('\n\n');
  const markdown = items
    .map((it, i) => `${i + 1}. ${it.link ? `[${it.subject}](${it.link})` : it.subject}`)
    .join('\n');
  return { subject, text, markdown };
}

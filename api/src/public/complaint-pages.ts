/**
 * The public complaint pages: the form (a plain HTML form, multipart, no JavaScript needed), the
 * receipt, and the lookup. The form says exactly who will see what before anything is sent.
 */
import {
  COMPLAINT_CATEGORIES,
  COMPLAINT_CATEGORY_LABELS,
  type ComplaintLimits,
  type complaintLookupSchema,
} from '#domain/complaint-schemas.js';
import { complaintSubjectText, type ComplaintStatus } from '#domain/complaint-records.js';
import { cstDate } from '#domain/deadlines.js';
import { textProblem } from '#domain/schemas.js';
import type { z } from 'zod';
import { escapeHtml as e, pageLangOf, renderPage } from './layout.js';

export type Lang = 'zh-CN' | 'en';
export const langOf = (query: unknown): Lang => pageLangOf((query as { lang?: unknown })?.lang);

const STATUS: Record<ComplaintStatus, { zh: string; en: string }> = {
  submitted: { zh: '已提交，等待受理', en: 'submitted, awaiting acknowledgement' },
  acknowledged: { zh: '已受理', en: 'acknowledged' },
  assigned: { zh: '已交办承办单位', en: 'assigned to a unit' },
  handled: { zh: '承办单位已办理，等待审核', en: 'handled by the unit, under review' },
  answered: { zh: '已答复', en: 'answered' },
  closed: { zh: '已办结', en: 'closed' },
  reopened: { zh: '重新办理中', en: 'reopened, being handled again' },
};

const T = {
  'zh-CN': {
    title: '我要举报',
    lookupTitle: '查询举报办理情况',
    about: (s: string) => `举报对象：${s}`,
    who: '谁能看到什么',
    disclosure: [
      '<b>您的姓名和电话</b>（实名举报时）：只有县专项监督办能看到；承办单位、乡镇和村<b>看不到</b>，通知和办理记录中也不会出现。',
      '<b>举报内容和照片</b>：县专项监督办、县领导和被交办的承办单位（部门、乡镇或村）能看到。如果不想让承办单位知道您是谁，请不要在内容或照片里写出或拍到您的姓名、电话、住址或面孔。',
      '<b>回执号</b>：提交后显示，只有您知道。凭回执号任何人都能查到办理状态和监督办的公开答复，看不到您的身份；请抄下并妥善保管，遗失无法找回。',
      '<b>公开答复</b>：监督办对您的答复，凭回执号可查，不含您的身份。',
      '防止滥用：我们按网络地址限制提交次数，网络地址只在服务器内存中短暂计数，不与举报一起保存。',
    ],
    category: '问题类别',
    description: '举报内容',
    descriptionHint: '请写清时间、地点和具体问题（至少 5 个字）。',
    photos: (n: number, mb: number) => `照片（可选，最多 ${n} 张，每张不超过 ${mb} MB，JPEG/PNG/WebP）`,
    anonymous: '匿名举报（不留姓名和电话）',
    name: '姓名（实名举报时必填）',
    phone: '联系电话（可选，便于监督办核实情况）',
    website: '网址（请留空）',
    submit: '提交举报',
    noSubject: '请先在公示页面找到要举报的项目，或项目所在的村，再点其中的“我要举报”。',
    findProject: '查找项目和村',
    receiptTitle: '举报已提交',
    receiptLead: '请抄下您的回执号，凭它查询办理进度和答复：',
    receiptKeep: '回执号只显示这一次，遗失后无法找回。',
    lookupLink: '查询办理情况',
    receipt: '回执号',
    lookup: '查询',
    notFound: '未找到该回执号对应的举报，请核对后重试。',
    status: '办理状态',
    submittedAt: '提交时间',
    answer: '监督办公开答复',
    noAnswer: '尚未答复',
    errors: '请修改以下问题后重新提交：',
    tooMany: '请求过于频繁，请稍后再试。',
    submitLimited: (limit: number, minutes: number) =>
      `同一网络一小时内最多提交 ${limit} 件举报，请在 ${minutes} 分钟后再提交。您填写的内容已保留在下面。`,
    attemptsLimited: (minutes: number) =>
      `提交尝试次数过多，请在 ${minutes} 分钟后再提交。您填写的内容已保留在下面。`,
    cancelled: '该项目已终止。对终止的原因、已拨付资金的去向或停下未完的工程有疑问，可以在这里举报。',
    chooseCategory: '请选择问题类别。',
    descriptionMissing: '请填写举报内容，至少写 5 个字。',
    descriptionShort: '举报内容太短，请至少写 5 个字。',
    descriptionLong: (max: number, n: number) =>
      `举报内容最多 ${max} 个字，现在有 ${n} 个字，请删减后再提交。`,
    descriptionBad: '举报内容含有无法保存的字符，请删去后再提交。',
    nameMissing: '实名举报请填写姓名；不想留姓名请勾选“匿名举报”。',
    nameLong: '姓名最多 50 个字。',
    phoneBad: '联系电话格式不对，请只填数字（可带 +、空格或 -），5 到 20 位。',
    tooManyPhotos: (n: number) => `照片最多 ${n} 张，请少选几张。`,
    photoTooLarge: (name: string, mb: number) =>
      `照片“${name}”超过 ${mb} MB，请换一张较小的照片，或压缩后再上传。`,
    photoTooLargeClient: (mb: number) => `每张照片不能超过 ${mb} MB，请换一张较小的照片，或压缩后再上传：`,
    photoNotImage: (name: string) => `照片“${name}”不是 JPEG、PNG 或 WebP 图片。`,
    bodyTooLarge: (mb: number, total: number) =>
      `照片太大：每张不能超过 ${mb} MB，一次合计不能超过 ${total} MB，请换较小的照片后重新填写提交。`,
    fields: {
      category: '问题类别',
      description: '举报内容',
      photos: '照片',
      name: '姓名',
      phone: '联系电话',
    },
  },
  en: {
    title: 'Report a problem',
    lookupTitle: 'Look up a report',
    about: (s: string) => `About: ${s}`,
    who: 'Who will see what',
    disclosure: [
      '<b>Your name and phone</b> (if you give them): only the county supervision office sees them; the unit handling the report, the township and the village <b>never</b> do, nor do the messages and records they read.',
      '<b>What you write and your photos</b>: the supervision office, county leaders and the unit the report is assigned to (a department, township or village). If the unit must not learn who you are, leave your name, phone, address and face out of the text and the photos.',
      '<b>Your receipt code</b>: shown once after you send the report, known only to you. Anyone holding it can see the status and the office’s public answer, never your identity. Write it down: a lost code cannot be recovered.',
      '<b>The public answer</b>: the office’s answer to you, visible with the receipt code, without your identity.',
      'Against abuse we limit submissions per network address; the address is counted briefly in the server’s memory and never stored with the report.',
    ],
    category: 'Kind of problem',
    description: 'What happened',
    descriptionHint: 'When, where and what (at least 5 characters).',
    photos: (n: number, mb: number) => `Photos (optional, up to ${n}, ${mb} MB each, JPEG/PNG/WebP)`,
    anonymous: 'Report anonymously (no name, no phone)',
    name: 'Name (required unless anonymous)',
    phone: 'Phone (optional, so the office can check facts with you)',
    website: 'Website (leave empty)',
    submit: 'Send the report',
    noSubject:
      'First find the project, or its village, on the public pages, then choose “Report a problem” there.',
    findProject: 'Find a project or village',
    receiptTitle: 'Report sent',
    receiptLead: 'Write down your receipt code; you will need it to follow the report:',
    receiptKeep: 'The code is shown only this once and cannot be recovered.',
    lookupLink: 'Look up a report',
    receipt: 'Receipt code',
    lookup: 'Look up',
    notFound: 'No report has this receipt code. Check it and try again.',
    status: 'Status',
    submittedAt: 'Sent',
    answer: 'The office’s public answer',
    noAnswer: 'Not answered yet',
    errors: 'Please correct the following and send again:',
    tooMany: 'Too many requests; please try again later.',
    submitLimited: (limit: number, minutes: number) =>
      `At most ${limit} reports an hour can be sent from one network. Please send again in ${minutes} minutes; what you wrote is kept below.`,
    attemptsLimited: (minutes: number) =>
      `Too many attempts to send. Please send again in ${minutes} minutes; what you wrote is kept below.`,
    cancelled:
      'This project was cancelled. You can report here on why it was stopped, where the money already paid went, or work left unfinished.',
    chooseCategory: 'Please choose the kind of problem.',
    descriptionMissing: 'Please write what happened, at least 5 characters.',
    descriptionShort: 'What happened is too short: please write at least 5 characters.',
    descriptionLong: (max: number, n: number) =>
      `What happened can be at most ${max} characters; yours has ${n}. Please shorten it.`,
    descriptionBad: 'What happened contains characters that cannot be stored; please remove them.',
    nameMissing: 'Please give your name, or tick “Report anonymously”.',
    nameLong: 'Your name can be at most 50 characters.',
    phoneBad: 'The phone number is not valid: use 5 to 20 digits (with +, spaces or - if you like).',
    tooManyPhotos: (n: number) => `At most ${n} photos; please choose fewer.`,
    photoTooLarge: (name: string, mb: number) =>
      `The photo “${name}” is larger than ${mb} MB. Please choose a smaller photo or reduce its size.`,
    photoTooLargeClient: (mb: number) =>
      `Each photo can be at most ${mb} MB. Please choose a smaller photo or reduce its size:`,
    photoNotImage: (name: string) => `The photo “${name}” is not a JPEG, PNG or WebP image.`,
    bodyTooLarge: (mb: number, total: number) =>
      `The photos are too large: at most ${mb} MB each and ${total} MB together. Please fill in the form again with smaller photos.`,
    fields: {
      category: 'Kind of problem',
      description: 'What happened',
      photos: 'Photos',
      name: 'Name',
      phone: 'Phone',
    },
  },
};

const q = (lang: Lang) => (lang === 'en' ? '?lang=en' : '');
const crumbs = (lang: Lang) => [{ href: `/public/${q(lang)}`, label: lang === 'en' ? 'Home' : '首页' }];

export interface FormValues {
  project?: string;
  village?: string;
  category?: string;
  description?: string;
  anonymous?: boolean;
  name?: string;
  phone?: string;
}

export function complaintFormPage(opts: {
  lang: Lang;
  /** `cancelled`: a cancelled project, which the form names as such and still takes reports on. */
  subject?: { kind: 'project' | 'village'; code: string; label: string; cancelled?: boolean };
  formToken: string;
  limits: ComplaintLimits;
  values?: FormValues;
  errors?: string[];
}): string {
  const t = T[opts.lang];
  const v = opts.values ?? {};
  const s = opts.subject;
  const errors = opts.errors?.length
    ? `<div class="card error" role="alert"><p>${t.errors}</p><ul>${opts.errors.map((x) => `<li>${e(x)}</li>`).join('')}</ul></div>`
    : '';
  const who = `<div class="card"><h2>${t.who}</h2><ul>${t.disclosure.map((d) => `<li>${d}</li>`).join('')}</ul></div>`;
  if (!s)
    return renderPage({
      lang: opts.lang,
      title: t.title,
      breadcrumbs: crumbs(opts.lang),
      body: `<h1>${t.title}</h1>${errors}<div class="card"><p>${t.noSubject}</p><p><a href="/public${q(opts.lang)}">${t.findProject}</a></p></div>${who}`,
    });
  const categories = COMPLAINT_CATEGORIES.map(
    (c) =>
      `<option value="${c}"${v.category === c ? ' selected' : ''}>${e(COMPLAINT_CATEGORY_LABELS[c][opts.lang === 'en' ? 'en' : 'zh'])}</option>`,
  ).join('');
  const anonymous = v.anonymous ?? true;
  const mb = Math.floor(opts.limits.maxPhotoBytes / 1048576);
  const body = `<h1>${t.title}</h1>${errors}
<form class="card" method="post" action="/public/complaints/new?${s.kind}=${encodeURIComponent(s.code)}${opts.lang === 'en' ? '&amp;lang=en' : ''}" enctype="multipart/form-data" data-max-photos="${opts.limits.maxPhotos}" data-max-photo-bytes="${opts.limits.maxPhotoBytes}" data-too-large="${e(t.photoTooLargeClient(mb))}" data-too-many="${e(t.tooManyPhotos(opts.limits.maxPhotos))}">
<p><b>${e(t.about(s.label))}</b></p>${s.cancelled ? `\n<p class="hint" id="cancelled">${t.cancelled}</p>` : ''}
<input type="hidden" name="${s.kind}" value="${e(s.code)}">
<input type="hidden" name="formToken" value="${e(opts.formToken)}">
<label for="category">${t.category}</label>
<select id="category" name="category" required>${categories}</select>
<label for="description">${t.description}</label>
<textarea id="description" name="description" required minlength="5" maxlength="2000">${e(v.description ?? '')}</textarea>
<div class="hint">${t.descriptionHint}</div>
<label for="photos">${t.photos(opts.limits.maxPhotos, mb)}</label>
<input id="photos" type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple>
<div class="error" id="photos-error" role="alert" hidden></div>
<label><input type="checkbox" name="anonymous" value="1"${anonymous ? ' checked' : ''}> ${t.anonymous}</label>
<label for="name">${t.name}</label>
<input id="name" type="text" name="name" maxlength="50" autocomplete="name" value="${e(v.name ?? '')}">
<label for="phone">${t.phone}</label>
<input id="phone" type="tel" name="phone" maxlength="20" autocomplete="tel" value="${e(v.phone ?? '')}">
<div class="hp" aria-hidden="true"><label for="website">${t.website}</label><input id="website" type="text" name="website" tabindex="-1" autocomplete="off"></div>
<button type="submit">${t.submit}</button>
</form>${who}
<p><a href="/public/complaints/lookup${q(opts.lang)}">${t.lookupLink}</a></p>
<script src="/public/complaints/form.js" defer></script>`;
  return renderPage({
    lang: opts.lang,
    title: t.title,
    breadcrumbs: crumbs(opts.lang),
    body,
    // The subject is the page: switching the language keeps it (also on a refusal, posted to an address without it).
    query: { [s.kind]: s.code },
  });
}

export function complaintReceiptPage(lang: Lang, receiptDisplay: string): string {
  const t = T[lang];
  return renderPage({
    lang,
    title: t.receiptTitle,
    breadcrumbs: crumbs(lang),
    // Shown once, so no link away to the other language's page (a new, empty form): the warning is
    // given in both languages here.
    oneLanguage: true,
    body: `<h1>${t.receiptTitle}</h1><div class="card"><p>${t.receiptLead}</p><p class="receipt" data-receipt>${e(receiptDisplay)}</p>
<p class="hint">${t.receiptKeep}</p><p class="hint" lang="${lang === 'en' ? 'zh-CN' : 'en'}">${T[lang === 'en' ? 'zh-CN' : 'en'].receiptKeep}</p></div>
<p><a href="/public/complaints/lookup${q(lang)}">${t.lookupLink}</a></p>`,
  });
}

export function complaintLookupPage(opts: {
  lang: Lang;
  result?: z.infer<typeof complaintLookupSchema>;
  notFound?: boolean;
  message?: string;
}): string {
  const t = T[opts.lang];
  const zh = opts.lang !== 'en';
  const r = opts.result;
  const result = r
    ? `<div class="card" data-result><div class="tw"><table>
<tr><th>${t.receipt}</th><td>${e(r.receiptDisplay)}</td></tr>
<tr><th>${t.status}</th><td data-status="${r.status}">${e(STATUS[r.status][zh ? 'zh' : 'en'])}</td></tr>
<tr><th>${t.about('').replace(/[：:]\s*$/, '')}</th><td>${e(complaintSubjectText(r.subject))}</td></tr>
<tr><th>${t.category}</th><td>${e(COMPLAINT_CATEGORY_LABELS[r.category][zh ? 'zh' : 'en'])}</td></tr>
<tr><th>${t.submittedAt}</th><td>${e(cstDate(Date.parse(r.submittedAt)))}</td></tr>
<tr><th>${t.answer}</th><td data-answer>${r.publicAnswer ? e(r.publicAnswer) : t.noAnswer}</td></tr>
</table></div></div>`
    : opts.notFound
      ? `<div class="card error" role="alert">${t.notFound}</div>`
      : opts.message
        ? `<div class="card error" role="alert">${e(opts.message)}</div>`
        : '';
  return renderPage({
    lang: opts.lang,
    title: t.lookupTitle,
    breadcrumbs: crumbs(opts.lang),
    body: `<h1>${t.lookupTitle}</h1>${result}<form class="card" method="post" action="/public/complaints/lookup${q(opts.lang)}">
<label for="receipt">${t.receipt}</label>
<input id="receipt" type="text" name="receipt" required maxlength="40" autocomplete="off" placeholder="XXXX-XXXX-XXXX">
<button type="submit">${t.lookup}</button></form>`,
  });
}

export const tooManyMessage = (lang: Lang) => T[lang].tooMany;

/**
 * A refused field of the form as its page says it: by the field's label when it has one
 * (`body.description` is 举报内容), the message alone for the hidden ones (the form token).
 */
export function fieldRefusal(lang: Lang, path: string, message: string): string {
  const labels: Record<string, string> = T[lang].fields;
  const label = labels[path.split('.')[1] ?? ''];
  return label ? `${label}${lang === 'en' ? ': ' : '：'}${message}` : message;
}

/** What the form page says to a client over its submission limit, when it may send again. */
export function submitLimitedMessage(
  lang: Lang,
  limit: number,
  retryAfterSeconds: number,
  attempts: boolean,
): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return attempts ? T[lang].attemptsLimited(minutes) : T[lang].submitLimited(limit, minutes);
}

/** The form refused whole for its size (more bytes than are read): the photos' limits. */
export function bodyTooLargeMessage(lang: Lang, limits: ComplaintLimits): string {
  const mb = Math.floor(limits.maxPhotoBytes / 1048576);
  return T[lang].bodyTooLarge(mb, mb * limits.maxPhotos);
}

/** A photo of the form as sent: its file name (for the message) and bytes. */
export interface FormPhoto {
  fileName: string;
  data: Buffer;
}

/**
 * The form's fields checked as its page words them: one plain sentence per problem, naming the
 * field as its label does, in the page's language. Empty: nothing for the reporter to correct
 * (the service still checks everything, the form token among it).
 */
export function formRefusals(
  lang: Lang,
  fields: Record<string, unknown>,
  photos: FormPhoto[],
  limits: ComplaintLimits,
  isImage: (b: Buffer) => boolean,
): { lines: string[]; tooLarge: boolean } {
  const t = T[lang];
  const lines: string[] = [];
  const str = (k: string) => (typeof fields[k] === 'string' ? (fields[k] as string) : '');
  if (!(COMPLAINT_CATEGORIES as readonly string[]).includes(str('category'))) lines.push(t.chooseCategory);
  const description = str('description').trim();
  if (!description) lines.push(t.descriptionMissing);
  else if (description.length < 5) lines.push(t.descriptionShort);
  else if (description.length > 2000) lines.push(t.descriptionLong(2000, description.length));
  else if (textProblem(description)) lines.push(t.descriptionBad);
  const name = str('name').trim();
  if (fields.anonymous === false && !name) lines.push(t.nameMissing);
  if (name.length > 50) lines.push(t.nameLong);
  const phone = str('phone').trim().normalize('NFKC');
  if (phone && !/^[0-9+ -]{5,20}$/.test(phone)) lines.push(t.phoneBad);
  const mb = Math.floor(limits.maxPhotoBytes / 1048576);
  let tooLarge = false;
  if (photos.length > limits.maxPhotos) lines.push(t.tooManyPhotos(limits.maxPhotos));
  photos.forEach((p, i) => {
    const called = p.fileName || String(i + 1);
    if (p.data.length > limits.maxPhotoBytes) {
      tooLarge = true;
      lines.push(t.photoTooLarge(called, mb));
    } else if (!isImage(p.data)) lines.push(t.photoNotImage(called));
  });
  return { lines, tooLarge };
}

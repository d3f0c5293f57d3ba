/**
 * The public side of complaints (no session): the form and the lookup as HTML pages that work
 * without JavaScript, and the same as JSON under /public/api/complaints. Mounted on the public
 * router, before the console's session and CSRF middleware, so it guards its own writes: a POST
 * whose Origin is another site's is refused (a cross-site page cannot file complaints in a
 * visitor's name), every POST counts against its client's rate limit, and submissions pass the
 * honeypot and the form token (service.ts).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  complaintLookupSchema,
  type ComplaintLimits,
  lookupComplaintSchema,
  submitComplaintSchema,
  submittedComplaintSchema,
} from '#domain/complaint-schemas.js';
import { AppError } from '#domain/errors.js';
import type { Orm } from '#db/orm.js';
import {
  bodyTooLargeMessage,
  complaintFormPage,
  complaintLookupPage,
  complaintReceiptPage,
  fieldRefusal,
  formRefusals,
  langOf,
  submitLimitedMessage,
  tooManyMessage,
  type FormValues,
} from '../../public/complaint-pages.js';
import { imageTypeOf } from './images.js';
import { defineRoute, invalid, mountRoutes, type RouteDef } from '../../http.js';
import { IDEMPOTENCY_HEADER, KEY_RULE } from '../../idempotency.js';
import { checkInputShape, localeOf, parseOr422 } from '../../validation.js';
import { parseMultipart } from './multipart.js';
import { windowLimiter } from './rate-limit.js';
import type { ComplaintService, UploadedPhoto } from './service.js';

/** The fields of a multipart form, as the submission schema reads them, and its photos. */
function formOf(parts: ReturnType<typeof parseMultipart>): {
  fields: Record<string, unknown>;
  photos: UploadedPhoto[];
  fileNames: string[];
} {
  const fields: Record<string, unknown> = {};
  const photos: UploadedPhoto[] = [];
  const fileNames: string[] = [];
  for (const p of parts) {
    if (p.fileName !== undefined) {
      if (p.name !== 'photos') throw invalid(`body.${p.name}`, '此处不能上传文件 (no file expected here)');
      if (p.data.length === 0 && p.fileName === '') continue; // the file input left empty
      photos.push({ field: 'photos', data: p.data });
      fileNames.push(p.fileName);
      continue;
    }
    const v = p.data.toString('utf8');
    if (p.name === 'anonymous') fields.anonymous = !['', '0', 'false', 'off'].includes(v);
    else if (v.trim() !== '') fields[p.name] = v;
  }
  // An HTML checkbox left unticked sends nothing: not anonymous.
  if (fields.anonymous === undefined) fields.anonymous = false;
  return { fields, photos, fileNames };
}

/** The request's submission, from JSON or multipart bytes. */
function submissionOf(req: Request) {
  const body = req.body as Buffer;
  let fields: Record<string, unknown>;
  let photos: UploadedPhoto[] = [];
  if (req.is('multipart/form-data')) {
    ({ fields, photos } = formOf(parseMultipart(body, req.get('content-type') ?? '', 40)));
  } else if (req.is('application/json')) {
    try {
      fields = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new AppError('BAD_REQUEST', '请求体不是合法的 JSON (malformed JSON body)');
    }
  } else
    throw new AppError(
      'BAD_REQUEST',
      '请求体须为 multipart/form-data 或 application/json (send multipart/form-data or JSON)',
    );
  const lang = localeOf(req);
  checkInputShape(fields, 'body', lang);
  return { input: parseOr422(submitComplaintSchema, fields, 'body', lang), photos, fields };
}

/** The Idempotency-Key of a public request, checked as everywhere (1–128 of A–Z a–z 0–9 . _ : ~ -). */
function keyOf(req: Request): string | undefined {
  const raw = req.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw.join(',') : raw;
  if (!/^[A-Za-z0-9._:~-]{1,128}$/.test(key))
    throw new AppError('VALIDATION_FAILED', 'Idempotency-Key 格式不对 (invalid Idempotency-Key)', [
      { path: 'headers.idempotency-key', message: KEY_RULE },
    ]);
  return key;
}

/**
 * Refuses a POST sent from another site's page. A page served with `Referrer-Policy: no-referrer`
 * makes Chromium send `Origin: null` even on its own form posts; then Sec-Fetch-Site, which a
 * page cannot set, says whether the post came from this site.
 */
function checkSameOrigin(req: Request): void {
  const origin = req.get('origin');
  if (!origin) return;
  let ok = false;
  if (origin === 'null') ok = req.get('sec-fetch-site') === 'same-origin';
  else
    try {
      ok = new URL(origin).origin === new URL(`${req.protocol}://${req.get('host') ?? ''}`).origin;
    } catch {
      ok = false;
    }
  if (!ok) throw new AppError('FORBIDDEN', '跨站请求被拒绝 (cross-site request refused)');
}

/**
 * What the form page says of a refused post, in the page's language: each refused field by its
 * label (a villager reads 举报内容, not body.description), else the refusal's own message.
 */
function refusalLines(err: AppError, lang: 'zh-CN' | 'en', limits: ComplaintLimits): string[] {
  if (err.code === 'RATE_LIMITED') {
    const after = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    const attempts = (err.details as { attempts?: unknown } | undefined)?.attempts === true;
    return typeof after === 'number'
      ? [submitLimitedMessage(lang, limits.submitPerHour, after, attempts)]
      : [tooManyMessage(lang)];
  }
  const fields = err.code === 'VALIDATION_FAILED' && Array.isArray(err.details) ? err.detailsIn(lang) : [];
  const lines = (fields as { path?: unknown; message?: unknown }[]).flatMap((d) =>
    typeof d.path === 'string' && typeof d.message === 'string'
      ? [fieldRefusal(lang, d.path, d.message)]
      : [],
  );
  return lines.length ? lines : [err.messageIn(lang)];
}

/**
 * The submission limit of a client address: `perHour` accepted complaints an hour; the attempts
 * refused on the way (a mistyped field, a photo too large) count against a far larger share, so a
 * reporter correcting a form is not shut out, while a robot's stream still is.
 */
function submissionLimit(perHour: number) {
  const accepted = windowLimiter(perHour, 3_600_000);
  const attempts = windowLimiter(perHour * 10, 3_600_000);
  return {
    /** Before anything is read: refused once the accepted or the attempted share is used up. */
    attempt(client: string) {
      try {
        attempts.take(client);
      } catch (err) {
        if (err instanceof AppError)
          throw new AppError(
            'RATE_LIMITED',
            '提交尝试次数过多，请稍后再试 (too many attempts; try again later)',
            {
              ...(err.details as object),
              attempts: true,
            },
          );
        throw err;
      }
      accepted.check(client);
    },
    /**
     * Runs a submission under the share of accepted complaints: its place is taken before it runs,
     * so posts sent at once are counted one by one, and given back when it is refused without
     * anything stored (a 4xx).
     */
    async submitting<T>(client: string, submit: () => Promise<T>): Promise<T> {
      accepted.take(client);
      try {
        return await submit();
      } catch (err) {
        if (err instanceof AppError && err.status < 500) accepted.give(client);
        throw err;
      }
    },
  };
}

export interface ComplaintPublicDeps {
  service: ComplaintService;
  orm: Orm;
}

/**
 * The JSON routes, declared as every route is (zod schemas, access rule, OpenAPI), and the
 * per-client limits they share with the HTML pages.
 */
export function complaintPublicApi(deps: ComplaintPublicDeps) {
  const { service } = deps;
  const limits = service.limits;
  const submitLimit = submissionLimit(limits.submitPerHour);
  const lookupLimit = windowLimiter(limits.lookupPerMinute, 60_000);
  const defs: RouteDef[] = [
    defineRoute({
      method: 'get',
      path: '/public/api/complaints/form-token',
      summary:
        '举报表单令牌 (a submission must carry one, sent back no sooner than a person could fill the form)',
      tags: ['complaints (public)'],
      access: 'public',
      response: z.object({ formToken: z.string() }),
      handler: async () => ({ formToken: service.formToken() }),
    }),
    defineRoute({
      method: 'post',
      path: '/public/api/complaints',
      summary:
        '提交举报 (anyone, no login: JSON, or multipart/form-data with up to 3 photos in `photos`; answers the receipt)',
      tags: ['complaints (public)'],
      access: 'public',
      rawBody: {
        contentTypes: ['multipart/form-data', 'application/json'],
        maxBytes: limits.maxPhotos * limits.maxPhotoBytes + 256 * 1024,
      },
      response: submittedComplaintSchema,
      successStatus: 201,
      errors: [400, 403, 413, 422, 429, 503, 504],
      idempotency: 'handler',
      handler: async ({ req }) => {
        const client = req.ip ?? 'unknown';
        submitLimit.attempt(client);
        const { input, photos } = submissionOf(req);
        return submitLimit.submitting(client, () => service.submit(input, photos, keyOf(req)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/public/api/complaints/lookup',
      summary: '凭回执号查询 (status and the public answer; a wrong receipt answers as an unknown one)',
      tags: ['complaints (public)'],
      access: 'public',
      body: lookupComplaintSchema,
      response: complaintLookupSchema,
      errors: [404, 422, 429],
      idempotency: 'handler',
      handler: async ({ req, body }) => {
        lookupLimit.take(req.ip ?? 'unknown');
        return service.lookup(body.receipt);
      },
    }),
  ];
  return { defs, submitLimit, lookupLimit };
}

/**
 * The public complaint routes as one router, for the public router to mount: the JSON api and
 * the HTML pages (GET/POST /public/complaints/new, GET/POST /public/complaints/lookup).
 */
export function complaintPublicRoutes(
  deps: ComplaintPublicDeps,
  api: ReturnType<typeof complaintPublicApi> = complaintPublicApi(deps),
): express.Router {
  const { service } = deps;
  const { defs, submitLimit, lookupLimit } = api;
  const router = express.Router();
  router.use(
    ['/public/complaints', '/public/api/complaints'],
    (req: Request, res: Response, next: NextFunction) => {
      // What a reporter sent or learnt is kept by no cache; nothing here may be framed. The
      // pages' own posts carry their origin (not `null`, as under the default no-referrer), and
      // no address leaves for another site.
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Referrer-Policy', 'same-origin');
      // The JSON api refuses a cross-site post here; the HTML pages in their handlers, as a page.
      if (req.method === 'POST' && req.baseUrl === '/public/api/complaints') checkSameOrigin(req);
      next();
    },
  );
  router.use('/public/api/complaints/lookup', express.json({ limit: '8kb' }));
  mountRoutes(router, defs, { orm: deps.orm });

  const page = (res: Response, status: number, html: string) =>
    res.status(status).type('text/html; charset=utf-8').send(html);

  router.get('/public/complaints/new', async (req: Request, res: Response) => {
    const lang = langOf(req.query);
    const subject = await subjectOf(req.query as Record<string, unknown>, lang);
    page(
      res,
      subject || !hasSubject(req.query) ? 200 : 404,
      complaintFormPage({
        lang,
        ...(subject ? { subject } : {}),
        formToken: service.formToken(),
        limits: service.limits,
      }),
    );
  });

  // The form's body is read up to twice what its photos may weigh, so a photo over its limit (a
  // phone's 20 MB picture) is refused by the handler with the form and its text kept; a body larger
  // still is refused unread, with the form again and what its photos may weigh.
  const formBodyLimit = 2 * service.limits.maxPhotos * service.limits.maxPhotoBytes + 256 * 1024;
  const raw = express.raw({ type: () => true, limit: formBodyLimit });
  const readForm = (req: Request, res: Response, next: NextFunction) =>
    raw(req, res, (err?: unknown) => {
      if ((err as { type?: unknown } | undefined)?.type !== 'entity.too.large') return next(err);
      const lang = langOf(req.query);
      // The parser has read the body off (unkept), so the browser, done sending, shows this page.
      void subjectOf(req.query as Record<string, unknown>, lang)
        .then((subject) =>
          page(
            res,
            413,
            complaintFormPage({
              lang,
              ...(subject ? { subject } : {}),
              formToken: service.formToken(),
              limits: service.limits,
              errors: [bodyTooLargeMessage(lang, service.limits)],
            }),
          ),
        )
        .catch(next);
    });
  router.post('/public/complaints/new', readForm, async (req: Request, res: Response) => {
    const lang = langOf(req.query);
    let values: FormValues = {};
    let subject: Awaited<ReturnType<typeof subjectOf>>;
    try {
      checkSameOrigin(req);
      const parts = formOf(parseMultipart(req.body as Buffer, req.get('content-type') ?? '', 40));
      values = parts.fields as FormValues;
      subject = await subjectOf(parts.fields, lang);
      const client = req.ip ?? 'unknown';
      submitLimit.attempt(client);
      // What the reporter can correct, said as the page words its fields.
      const refused = formRefusals(
        lang,
        parts.fields,
        parts.photos.map((p, i) => ({ fileName: parts.fileNames[i] ?? '', data: p.data })),
        service.limits,
        (b) => imageTypeOf(b) !== undefined,
      );
      if (refused.lines.length)
        return page(
          res,
          refused.tooLarge ? 413 : 422,
          complaintFormPage({
            lang,
            ...(subject ? { subject } : {}),
            formToken: service.formToken(),
            limits: service.limits,
            values,
            errors: refused.lines,
          }),
        );
      checkInputShape(parts.fields, 'body', lang);
      const input = parseOr422(submitComplaintSchema, parts.fields, 'body', lang);
      const done = await submitLimit.submitting(client, () =>
        service.submit(input, parts.photos, keyOf(req)),
      );
      page(res, 201, complaintReceiptPage(lang, done.receiptDisplay));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      page(
        res,
        err.status,
        complaintFormPage({
          lang,
          ...(subject! ? { subject: subject! } : {}),
          formToken: service.formToken(),
          limits: service.limits,
          values,
          errors: refusalLines(err, lang, service.limits),
        }),
      );
    }
  });

  // The form's one script (the pages work without it): a photo over its limit is named before
  // anything is sent, so nothing typed is lost to a long upload refused at its end.
  router.get('/public/complaints/form.js', (_req: Request, res: Response) => {
    res.type('text/javascript; charset=utf-8').setHeader('Cache-Control', 'public, max-age=3600');
    res.send(FORM_SCRIPT);
  });

  router.get('/public/complaints/lookup', (req: Request, res: Response) => {
    page(res, 200, complaintLookupPage({ lang: langOf(req.query) }));
  });
  router.post(
    '/public/complaints/lookup',
    express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 5 }),
    async (req: Request, res: Response) => {
      const lang = langOf(req.query);
      try {
        checkSameOrigin(req);
        lookupLimit.take(req.ip ?? 'unknown');
        const receipt = String((req.body as { receipt?: unknown })?.receipt ?? '').slice(0, 40);
        page(res, 200, complaintLookupPage({ lang, result: await service.lookup(receipt) }));
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.code === 'NOT_FOUND') return page(res, 404, complaintLookupPage({ lang, notFound: true }));
        page(
          res,
          err.status,
          complaintLookupPage({
            lang,
            message: err.code === 'RATE_LIMITED' ? tooManyMessage(lang) : err.messageIn(lang),
          }),
        );
      }
    },
  );

  function hasSubject(q: unknown) {
    const o = q as Record<string, unknown>;
    return o.project !== undefined || o.village !== undefined;
  }
  async function subjectOf(q: Record<string, unknown>, lang: 'zh-CN' | 'en') {
    const kind: 'project' | 'village' | undefined =
      typeof q.project === 'string' ? 'project' : typeof q.village === 'string' ? 'village' : undefined;
    if (!kind) return undefined;
    const code = String(q[kind]).slice(0, 40);
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{1,39}$/.test(code)) return undefined;
    const found = await service.subject(kind, code, lang);
    return found ? { kind, code, label: found.label, cancelled: found.cancelled } : undefined;
  }
  return router;
}

/** Checks the photos' sizes and count before the form is sent; the messages are the page's own. */
const FORM_SCRIPT = `(function () {
  var form = document.querySelector('form[data-max-photo-bytes]');
  if (!form) return;
  var input = form.querySelector('input[type=file][name=photos]');
  var box = document.getElementById('photos-error');
  var max = Number(form.getAttribute('data-max-photo-bytes'));
  var most = Number(form.getAttribute('data-max-photos'));
  function problem() {
    var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
    if (files.length > most) return form.getAttribute('data-too-many');
    var big = files.filter(function (f) { return f.size > max; });
    if (!big.length) return '';
    return form.getAttribute('data-too-large') + ' ' + big.map(function (f) {
      return f.name + ' (' + (f.size / 1048576).toFixed(1) + ' MB)';
    }).join(', ');
  }
  function show() {
    var p = problem();
    box.textContent = p;
    box.hidden = !p;
    return p;
  }
  if (input) input.addEventListener('change', show);
  form.addEventListener('submit', function (e) {
    if (show()) {
      e.preventDefault();
      input.focus();
    }
  });
})();
`;

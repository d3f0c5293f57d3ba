/**
 * SMS through each vendor's own SDK against its stand-in (tests/support/standins): the request
 * as the vendor would receive it, and each answer code as a DeliveryError with the right `retryable`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryUncertain, type ChannelAdapter } from '#activities/notify/channel.js';
import { createAliyunSmsAdapter } from '#activities/notify/channels/aliyun-sms.js';
import { createTencentSmsAdapter } from '#activities/notify/channels/tencent-sms.js';
import { startAliyunSmsStandin, type AliyunSmsStandin } from '../support/standins/aliyun-sms.js';
import { startTencentSmsStandin, type TencentSmsStandin } from '../support/standins/tencent-sms.js';
import { closedPort, message, refusal } from './fixtures.js';

describe('Aliyun SMS through the dysmsapi SDK', () => {
  let aliyun: AliyunSmsStandin;
  let sut: ChannelAdapter;
  beforeAll(async () => {
    aliyun = await startAliyunSmsStandin();
    sut = createAliyunSmsAdapter({
      vendor: 'aliyun',
      accessKeyId: 'LTAI-standin',
      accessKeySecret: 'standin-secret',
      endpoint: aliyun.url,
      signName: '某县乡村振兴局',
      timeoutMs: 5_000,
    });
  });
  afterAll(() => aliyun.stop());

  it('sends SendSms with the number, signature, template, its JSON variables and OutId, signed', async () => {
    const result = await sut.send(message({ deliveryId: 'd-sms-1' }));
    const req = aliyun.requests.at(-1)!;
    expect(req.action).toBe('SendSms');
    expect(req.version).toBe('2017-05-25');
    expect(req.params.PhoneNumbers).toBe('13800138000');
    expect(req.params.SignName).toBe('某县乡村振兴局');
    expect(req.params.TemplateCode).toBe('SMS_480000001');
    expect(JSON.parse(req.params.TemplateParam!)).toEqual(message().sms!.params);
    expect(req.params.OutId).toBe('d-sms-1');
    expect(String(req.headers.authorization)).toMatch(
      /^ACS3-HMAC-SHA256 Credential=LTAI-standin,.*Signature=[0-9a-f]{64}$/,
    );
    expect(result.vendorId).toMatch(/^\d+\^0$/);
    expect(sut.bucketOf('+8613800138000')).toBe('aliyun:LTAI-standin');
  });

  it.each([
    ['isv.BUSINESS_LIMIT_CONTROL', true],
    ['isv.MOBILE_NUMBER_ILLEGAL', false],
    ['isv.BLACK_KEY_CONTROL_LIMIT', false],
    ['isv.TEMPLATE_MISSING_PARAMETERS', false],
    ['isv.AMOUNT_NOT_ENOUGH', false],
    ['isp.SYSTEM_ERROR', true],
    ['isv.A_CODE_NOT_IN_THE_TABLE', false],
    ['isp.A_CODE_NOT_IN_THE_TABLE', true],
  ])('answer Code %s → retryable %s', async (code, retryable) => {
    aliyun.fail(code);
    const e = await refusal(sut);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
  });

  it.each([
    ['Throttling.User', 400, true],
    ['SignatureDoesNotMatch', 400, false],
    ['InvalidAccessKeyId.NotFound', 404, false],
    ['ServiceUnavailable', 503, true],
  ])('gateway refusal %s (HTTP %s) → retryable %s', async (code, status, retryable) => {
    aliyun.fail({ code, status });
    const e = await refusal(sut);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
  });

  it('flow control: the minute cap waits a minute, the day cap is final', async () => {
    aliyun.fail({ code: 'isv.BUSINESS_LIMIT_CONTROL', message: '触发分钟级流控Permits:1' });
    expect((await refusal(sut)).retryAfterMs).toBe(60_000);
    aliyun.fail({ code: 'isv.BUSINESS_LIMIT_CONTROL', message: '触发天级流控Permits:10' });
    expect((await refusal(sut)).retryable).toBe(false);
  });

  it('three refusals then success: the same OutId every time, one vendor id at the end', async () => {
    const before = aliyun.requests.length;
    aliyun.fail('isv.BUSINESS_LIMIT_CONTROL', 'isv.BUSINESS_LIMIT_CONTROL', 'isv.BUSINESS_LIMIT_CONTROL');
    for (let i = 0; i < 3; i++)
      expect((await refusal(sut, message({ deliveryId: 'd-sms-4' }))).retryable).toBe(true);
    const ok = await sut.send(message({ deliveryId: 'd-sms-4' }));
    expect(ok.vendorId).toBeTruthy();
    // The SDK did not retry on its own: one request per send.
    const mine = aliyun.requests.slice(before);
    expect(mine).toHaveLength(4);
    expect(new Set(mine.map((r) => r.params.OutId))).toEqual(new Set(['d-sms-4']));
  });

  it('an endpoint that does not answer is retryable', async () => {
    const down = createAliyunSmsAdapter({
      vendor: 'aliyun',
      accessKeyId: 'ak',
      accessKeySecret: 'sk',
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      signName: 's',
    });
    expect((await refusal(down)).retryable).toBe(true);
  });

  it('a request taken whose answer does not come in time is uncertain, never resent by itself', async () => {
    const impatient = createAliyunSmsAdapter({
      vendor: 'aliyun',
      accessKeyId: 'LTAI-standin',
      accessKeySecret: 'standin-secret',
      endpoint: aliyun.url,
      signName: '某县乡村振兴局',
      timeoutMs: 300,
    });
    aliyun.stall(1, 3_000);
    const e = await refusal(impatient, message({ deliveryId: 'd-sms-stalled' }));
    expect(e).toBeInstanceOf(DeliveryUncertain);
    expect(e.retryable).toBe(false);
    expect(aliyun.requests.filter((r) => r.params.OutId === 'd-sms-stalled')).toHaveLength(1);
  });
});

describe('Tencent SMS through the tencentcloud SDK', () => {
  let tencent: TencentSmsStandin;
  let sut: ChannelAdapter;
  beforeAll(async () => {
    tencent = await startTencentSmsStandin();
    sut = createTencentSmsAdapter({
      vendor: 'tencent',
      secretId: 'AKID-standin',
      secretKey: 'standin-key',
      endpoint: tencent.url,
      region: 'ap-guangzhou',
      sdkAppId: '1400000001',
      signName: '某县乡村振兴局',
      timeoutMs: 5_000,
    });
  });
  afterAll(() => tencent.stop());

  it('sends SendSms 2021-01-11 signed with TC3-HMAC-SHA256, positional variables, SessionContext', async () => {
    const result = await sut.send(message({ address: '13800138000', deliveryId: 'd-tc-1' }));
    const req = tencent.requests.at(-1)!;
    expect(req.action).toBe('SendSms');
    expect(req.version).toBe('2021-01-11');
    expect(req.region).toBe('ap-guangzhou');
    expect(String(req.headers.authorization)).toMatch(
      /^TC3-HMAC-SHA256 Credential=AKID-standin\/\d{4}-\d\d-\d\d\//,
    );
    expect(req.body).toEqual({
      PhoneNumberSet: ['+8613800138000'],
      SmsSdkAppId: '1400000001',
      SignName: '某县乡村振兴局',
      TemplateId: 'SMS_480000001',
      TemplateParamSet: ['XM2026-017', '庙坝镇白果村道路硬化', '逾期未开工', '逾期预警', '已逾期7天'],
      SessionContext: 'd-tc-1',
    });
    expect(result.vendorId).toMatch(/^standin:\d+$/);
  });

  it.each([
    ['LimitExceeded.DeliveryFrequencyLimit', true],
    ['LimitExceeded.PhoneNumberDailyLimit', false],
    ['FailedOperation.PhoneNumberInBlacklist', false],
    ['InvalidParameterValue.IncorrectPhoneNumber', false],
    ['FailedOperation.TemplateIncorrectOrUnapproved', false],
    ['InternalError.Timeout', true],
    ['InternalError.NotInTheTable', true],
    ['FailedOperation.NotInTheTable', false],
  ])('per-number status %s → retryable %s', async (code, retryable) => {
    tencent.fail(code);
    const e = await refusal(sut);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
  });

  it.each([
    ['AuthFailure.SecretIdNotFound', false],
    ['RequestLimitExceeded', true],
    ['InternalError', true],
  ])('whole-request error %s → retryable %s', async (code, retryable) => {
    tencent.fail({ code, level: 'request' });
    const e = await refusal(sut);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
  });

  it('the frequency limit asks for a minute', async () => {
    tencent.fail('LimitExceeded.DeliveryFrequencyLimit');
    expect((await refusal(sut)).retryAfterMs).toBe(60_000);
  });
  it('a request taken whose answer does not come in time is uncertain; a refused connection is retryable', async () => {
    const impatient = (endpoint: string) =>
      createTencentSmsAdapter({
        vendor: 'tencent',
        secretId: 'AKID-standin',
        secretKey: 'standin-key',
        endpoint,
        region: 'ap-guangzhou',
        sdkAppId: '1400000001',
        signName: '某县乡村振兴局',
        timeoutMs: 300,
      });
    tencent.stall(1, 3_000);
    const before = tencent.requests.length;
    const e = await refusal(impatient(tencent.url), message({ address: '13800138000' }));
    expect(e).toBeInstanceOf(DeliveryUncertain);
    expect(tencent.requests.length).toBe(before + 1);
    const down = await refusal(impatient(`http://127.0.0.1:${await closedPort()}`));
    expect(down).not.toBeInstanceOf(DeliveryUncertain);
    expect(down.retryable).toBe(true);
  });
});

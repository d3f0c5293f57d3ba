import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { channelsConfig, loadEnv } from './env.js';

function failure(env: NodeJS.ProcessEnv): string {
  try {
    loadEnv(env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('notification channels configuration', () => {
  it('with nothing set, only the outbox file is on, under DATA_DIR', () => {
    const sut = channelsConfig(loadEnv({ DATA_DIR: '/tmp/sanzhang-data' }));
    expect(sut).toEqual({
      publicUrl: 'http://127.0.0.1:3000',
      email: null,
      sms: null,
      smsTemplates: { deadline: null, text: null },
      dingtalk: [],
      wecom: [],
      outbox: { file: path.resolve('/tmp/sanzhang-data/outbox.jsonl') },
    });
    expect(channelsConfig(loadEnv({ NOTIFY_OUTBOX: 'off' })).outbox).toBeNull();
  });

  it('reads the robots from JSON, with defaults, and the SMS vendor with its template', () => {
    const sut = channelsConfig(
      loadEnv({
        PUBLIC_URL: 'https://sanzhang.county.gov.cn/',
        SMS_VENDOR: 'tencent',
        TENCENT_SMS_SECRET_ID: 'id',
        TENCENT_SMS_SECRET_KEY: 'key',
        TENCENT_SMS_SDK_APP_ID: '1400000001',
        TENCENT_SMS_SIGN_NAME: '某县',
        SMS_TEMPLATE_DEADLINE: '1234567',
        DINGTALK_ROBOTS: JSON.stringify([
          { name: 'county', webhook: 'https://oapi.dingtalk.com/robot/send?access_token=t', secret: 'SECx' },
        ]),
        WECOM_ROBOTS: JSON.stringify([
          {
            name: 'mbz',
            webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
            orgUnits: ['MBZ'],
            minSeverity: 'warning',
          },
        ]),
      }),
    );
    expect(sut.publicUrl).toBe('https://sanzhang.county.gov.cn');
    expect(sut.sms).toMatchObject({
      vendor: 'tencent',
      endpoint: 'sms.tencentcloudapi.com',
      region: 'ap-guangzhou',
    });
    expect(sut.dingtalk).toEqual([
      {
        name: 'county',
        webhook: 'https://oapi.dingtalk.com/robot/send?access_token=t',
        secret: 'SECx',
        orgUnits: [],
        minSeverity: 'info',
      },
    ]);
    expect(sut.wecom[0]).toMatchObject({
      name: 'mbz',
      secret: null,
      orgUnits: ['MBZ'],
      minSeverity: 'warning',
    });
  });

  it('refuses bad JSON and bad robots with a line naming the variable and the field', () => {
    expect(failure({ DINGTALK_ROBOTS: '[{name:' })).toMatch(/^ {2}DINGTALK_ROBOTS: not JSON/m);
    expect(failure({ WECOM_ROBOTS: JSON.stringify([{ name: 'a', webhook: 'ftp://x' }]) })).toMatch(
      /^ {2}WECOM_ROBOTS\.0\.webhook: /m,
    );
    expect(
      failure({ WECOM_ROBOTS: JSON.stringify([{ name: 'a', webhook: 'https://x', secret: 's' }]) }),
    ).toMatch(/WECOM_ROBOTS\.0: Unrecognized key/);
    const twice = { name: 'a', webhook: 'https://x' };
    expect(failure({ WECOM_ROBOTS: JSON.stringify([twice, twice]) })).toMatch(
      /WECOM_ROBOTS: robot names must be unique/,
    );
    expect(failure({ DINGTALK_ROBOTS: '{}' })).toMatch(/DINGTALK_ROBOTS: /);
  });

  it('refuses a half-configured channel', () => {
    expect(failure({ SMTP_URL: 'smtp://mail.example.cn' })).toMatch(/SMTP_FROM: SMTP_URL needs SMTP_FROM/);
    expect(failure({ SMTP_URL: 'http://mail.example.cn', SMTP_FROM: 'a@b.cn' })).toMatch(/SMTP_URL: /);
    expect(failure({ SMS_VENDOR: 'aliyun', SMS_TEMPLATE_DEADLINE: 'SMS_1' })).toMatch(
      /SMS_VENDOR: SMS_VENDOR=aliyun needs/,
    );
    expect(
      failure({
        SMS_VENDOR: 'aliyun',
        ALIYUN_SMS_ACCESS_KEY_ID: 'a',
        ALIYUN_SMS_ACCESS_KEY_SECRET: 'b',
        ALIYUN_SMS_SIGN_NAME: 'c',
      }),
    ).toMatch(/SMS_TEMPLATE_DEADLINE: an SMS vendor needs SMS_TEMPLATE_DEADLINE/);
  });
});

/** The message and the helpers the loopback adapter tests share. */
import net from 'node:net';
import { expect } from 'vitest';
import { DeliveryError, type ChannelAdapter, type OutboundMessage } from '#activities/notify/channel.js';

export const LINK = 'http://console.example.cn/projects/5f0c1e9e-8a4b-4a57-9d38-0c8f4f0e0a11';

export function message(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    deliveryId: 'd-0001',
    address: '+8613800138000',
    locale: 'zh-CN',
    subject: '【逾期预警】XM2026-017 庙坝镇白果村道路硬化：逾期未开工，已逾期 7 天',
    text: '项目：XM2026-017 庙坝镇白果村道路硬化\n请尽快办理开工。\n查看详情：' + LINK,
    markdown: '### 【逾期预警】XM2026-017 庙坝镇白果村道路硬化\n\n**逾期未开工**，已逾期 7 天',
    link: LINK,
    sms: {
      templateCode: 'SMS_480000001',
      params: {
        code: 'XM2026-017',
        name: '庙坝镇白果村道路硬化',
        issue: '逾期未开工',
        step: '逾期预警',
        status: '已逾期7天',
      },
    },
    ...over,
  };
}

/** The DeliveryError a send throws (fails the test when it resolves or throws something else). */
export async function refusal(
  adapter: ChannelAdapter,
  m: OutboundMessage = message(),
): Promise<DeliveryError> {
  const outcome = await adapter.send(m).then(
    (r) => r,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(DeliveryError);
  return outcome as DeliveryError;
}

/** A loopback port with nothing listening: bind one, note it, close it. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

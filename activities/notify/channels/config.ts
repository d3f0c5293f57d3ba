/**
 * What the outbound adapters are built from: a plain object (`channelsConfig(env)` in
 * platform/env.ts makes it from the environment), so tests build adapters against stand-ins
 * without touching process.env.
 */
import type { Severity } from '#domain/notify-schemas.js';

export interface RobotConfig {
  /** The robot's name: the address a message is sent to, and its rate-limit bucket. */
  name: string;
  /** DingTalk: https://oapi.dingtalk.com/robot/send?access_token=…; WeCom: …/cgi-bin/webhook/send?key=… */
  webhook: string;
  /** DingTalk's 加签 secret; null: the robot is guarded otherwise (keywords, IP allow-list). */
  secret: string | null;
  /** Org unit codes whose notifications this robot carries; empty: all. */
  orgUnits: string[];
  /** Notifications below this severity are not sent to this robot. */
  minSeverity: Severity;
}

export interface AliyunSmsConfig {
  vendor: 'aliyun';
  accessKeyId: string;
  accessKeySecret: string;
  /** `dysmsapi.aliyuncs.com` (HTTPS) or a full URL such as `http://127.0.0.1:4567` (a stand-in). */
  endpoint: string;
  signName: string;
}

export interface TencentSmsConfig {
  vendor: 'tencent';
  secretId: string;
  secretKey: string;
  /** `sms.tencentcloudapi.com` (HTTPS) or a full URL such as `http://127.0.0.1:4567`. */
  endpoint: string;
  region: string;
  sdkAppId: string;
  signName: string;
}

export interface ChannelsConfig {
  /** The console's absolute base URL, without a trailing slash. */
  publicUrl: string;
  email: { url: string; from: string } | null;
  sms: AliyunSmsConfig | TencentSmsConfig | null;
  /** The vendor template for each kind of notification; null: that kind is not sent by SMS. */
  smsTemplates: { deadline: string | null; text: string | null };
  dingtalk: RobotConfig[];
  wecom: RobotConfig[];
  outbox: { file: string } | null;
  /** How long one vendor call may take (default 10 s). */
  timeoutMs?: number;
}

/** `host` or `http(s)://host:port` → the parts the vendor SDKs take separately. */
export function splitEndpoint(endpoint: string): { protocol: 'http' | 'https'; host: string } {
  const m = /^(https?):\/\/([^/]+)\/?$/i.exec(endpoint.trim());
  if (m) return { protocol: m[1]!.toLowerCase() as 'http' | 'https', host: m[2]! };
  return { protocol: 'https', host: endpoint.trim().replace(/\/+$/, '') };
}

export const DEFAULT_TIMEOUT_MS = 10_000;

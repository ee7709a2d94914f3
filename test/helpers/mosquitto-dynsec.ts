import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** An ACL type of Mosquitto's dynamic-security plugin. */
export type DynsecAclType =
  | 'publishClientSend'
  | 'publishClientReceive'
  | 'subscribeLiteral'
  | 'subscribePattern'
  | 'unsubscribeLiteral'
  | 'unsubscribePattern';

/** One ACL entry; `allow` defaults to true. */
export interface DynsecAcl {
  readonly type: DynsecAclType;
  readonly topic: string;
  readonly allow?: boolean;
  readonly priority?: number;
}

/** A client of the plugin: its password and its ACLs (given to it through a role of its own). */
export interface DynsecUser {
  readonly password: string;
  readonly acls?: readonly DynsecAcl[];
}

/** What the plugin does when no ACL matches. */
export type DynsecDefaultAccess = Readonly<
  Partial<Record<'publishClientSend' | 'publishClientReceive' | 'subscribe' | 'unsubscribe', boolean>>
>;

/**
 * Users and ACLs for the dynamic-security plugin. Unlike `acl_file` (which Mosquitto 2.0 applies to
 * publishes and deliveries only, granting every SUBSCRIBE), its ACLs are checked at SUBSCRIBE time:
 * a denied filter gets SUBACK 0x87 (MQTT 5) or 0x80 (3.1.1).
 */
export interface DynamicSecurityOptions {
  readonly users: Readonly<Record<string, DynsecUser>>;
  /** Defaults to Mosquitto's: send denied, receive allowed, subscribe denied, unsubscribe allowed. */
  readonly defaultAccess?: DynsecDefaultAccess;
}

const PLUGIN = 'mosquitto_dynamic_security.so';

/** The plugin's path: `$MOSQUITTO_DYNSEC_PLUGIN`, else the usual lib directories; undefined if absent. */
export function findDynamicSecurityPlugin(): string | undefined {
  if (process.env.MOSQUITTO_DYNSEC_PLUGIN) return process.env.MOSQUITTO_DYNSEC_PLUGIN;
  const dirs = [
    '/usr/lib',
    '/usr/local/lib',
    '/usr/lib/mosquitto',
    '/usr/local/lib/mosquitto',
    '/opt/homebrew/lib',
  ];
  for (const dir of ['/usr/lib', '/usr/local/lib']) {
    for (const name of safeReaddir(dir)) if (name.includes('-linux-')) dirs.push(join(dir, name));
  }
  return dirs.map((dir) => join(dir, PLUGIN)).find((path) => existsSync(path));
}

/**
 * Writes the plugin's JSON config: one client and one role (`user:<name>`) per user, passwords hashed
 * as the plugin expects (PBKDF2-SHA512, 101 iterations, 12-byte salt, base64).
 */
export async function writeDynamicSecurityConfig(
  file: string,
  options: DynamicSecurityOptions,
): Promise<void> {
  const users = Object.entries(options.users);
  const config = {
    clients: users.map(([username, user]) => ({
      username,
      ...hashPassword(user.password),
      roles: [{ rolename: `user:${username}` }],
    })),
    roles: users.map(([username, user]) => ({
      rolename: `user:${username}`,
      acls: (user.acls ?? []).map((acl) => ({
        acltype: acl.type,
        topic: acl.topic,
        priority: acl.priority ?? 0,
        allow: acl.allow ?? true,
      })),
    })),
    defaultACLAccess: {
      publishClientSend: false,
      publishClientReceive: true,
      subscribe: false,
      unsubscribe: true,
      ...options.defaultAccess,
    },
  };
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
}

function hashPassword(password: string): { password: string; salt: string; iterations: number } {
  const salt = randomBytes(12);
  const iterations = 101;
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return { password: hash.toString('base64'), salt: salt.toString('base64'), iterations };
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type SuiteContext } from 'node:test';
import { findExecutable, isExecutable } from '../executables.js';
import { mosquittoBinary } from '../mosquitto-available.js';

/** The broker programs the conformance suite starts as processes of its own. */
export type BrokerProgram = 'mosquitto' | 'nats-server' | 'rabbitmq-server' | 'ejabberd';

/** Debian's rabbitmq-server wrapper `su`s to the rabbitmq user; this script runs as the caller. */
export const RABBITMQ_SERVER_SCRIPT = '/usr/lib/rabbitmq/bin/rabbitmq-server';

const PACKAGES: Record<BrokerProgram, string> = {
  mosquitto: 'mosquitto',
  'nats-server': 'nats-server',
  'rabbitmq-server': 'rabbitmq-server',
  ejabberd: 'ejabberd',
};

/** What is missing for `program`, or undefined when it can be started. */
export function missingFor(program: BrokerProgram): string | undefined {
  switch (program) {
    case 'mosquitto':
      return mosquittoBinary() ? undefined : 'mosquitto';
    case 'nats-server':
      return findExecutable('nats-server') ? undefined : 'nats-server';
    case 'rabbitmq-server':
      if (!isExecutable(RABBITMQ_SERVER_SCRIPT)) return RABBITMQ_SERVER_SCRIPT;
      return findExecutable('epmd') ? undefined : 'epmd';
    case 'ejabberd':
      if (!findExecutable('erl')) return 'erl';
      return ejabberdLibDir() ? undefined : 'the ejabberd Erlang application (ejabberd-*/ebin/ejabberd.app)';
  }
}

/**
 * `false` when `program` can be started, else a skip reason. On CI (`CI=true`) a missing broker is
 * an error, thrown here, so that the conformance suite cannot pass by being skipped.
 */
export function brokerSkipReason(program: BrokerProgram): string | false {
  const missing = missingFor(program);
  if (missing === undefined) return false;
  const reason = `${program} is not installed (${missing} not found; apt-get install ${PACKAGES[program]})`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI requires it`);
  return reason;
}

/** `describe`, skipped with a message when `program` is missing, failing on CI. */
export function describeBroker(
  program: BrokerProgram,
  name: string,
  fn: (suite: SuiteContext) => void | Promise<void>,
): Promise<void> {
  return describe(name, { skip: brokerSkipReason(program) }, fn);
}

/**
 * The directory holding ejabberd's Erlang applications (for `ERL_LIBS`): Debian puts them in
 * `/usr/lib/<triplet>/ejabberd-23.01/` and friends.
 */
export function ejabberdLibDir(): string | undefined {
  const roots = ['/usr/lib', ...subdirs('/usr/lib').filter((dir) => dir.includes('-linux-'))];
  return roots.find((root) =>
    subdirs(root).some(
      (dir) => /\/ejabberd-[\d.-]+$/.test(dir) && existsSync(join(dir, 'ebin', 'ejabberd.app')),
    ),
  );
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(dir, entry.name));
  } catch {
    return [];
  }
}

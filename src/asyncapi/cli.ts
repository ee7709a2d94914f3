#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadSource } from './cli-source.js';
import { describeMqttApp } from './generate.js';
import { toYaml } from './yaml.js';

const USAGE = `Usage: koa-mqtt-asyncapi <module> [--export name] [--out file] [--yaml] [--title text] [--version text]

Writes the AsyncAPI 3.0 document of the koa-mqtt app a module exports (nothing connects).
The export (default: "default") is the useMqtt handle, the MqttService or the MqttApp, an
object with one of them as "mqtt", or a function (async or not, no arguments) returning one.
Without --out the document goes to stdout. What the document cannot express goes to stderr;
--strict makes that an error (exit code 2).`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      export: { type: 'string', default: 'default' },
      out: { type: 'string', short: 'o' },
      yaml: { type: 'boolean', default: false },
      title: { type: 'string' },
      version: { type: 'string' },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`koa-mqtt-asyncapi: expected one module path, got ${positionals.length}\n\n${USAGE}`);
    return 1;
  }
  const modulePath = resolve(positionals[0]!);
  const exported: Record<string, unknown> = await import(pathToFileURL(modulePath).href);
  const source = await loadSource(exported, values.export, modulePath);
  const info = {
    ...(values.title === undefined ? {} : { title: values.title }),
    ...(values.version === undefined ? {} : { version: values.version }),
  };
  const { document, warnings } = describeMqttApp(source, { info });
  for (const warning of warnings) console.error(`koa-mqtt-asyncapi: ${warning.where}: ${warning.message}`);
  const text = values.yaml ? toYaml(document) : `${JSON.stringify(document, null, 2)}\n`;
  if (values.out) {
    await writeFile(values.out, text);
    console.error(
      `koa-mqtt-asyncapi: wrote ${values.out} (${Object.keys(document.channels).length} channels, ${Object.keys(document.operations).length} operations)`,
    );
  } else {
    await new Promise<void>((done) => process.stdout.write(text, () => done()));
  }
  return values.strict && warnings.length > 0 ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`koa-mqtt-asyncapi: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

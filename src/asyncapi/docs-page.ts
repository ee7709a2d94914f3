import type { AsyncApiChannel, AsyncApiDocument, AsyncApiOperation } from './document.js';
import type { JsonSchema } from './json-schema.js';

/**
 * The HTML of the docs page. With `@asyncapi/react-component` installed: its standalone bundle
 * and stylesheet (served by `mqttDocs` from the package), the document embedded in the page, no
 * request leaves the server. Without it: a plain server-rendered page (channels, parameters,
 * payload schemas) that needs no script at all.
 */
export function rendererPage(document: AsyncApiDocument, assets: string): string {
  const data = JSON.stringify(document)
    .replace(/</g, '\\u003c')
    .replace(/\u2028|\u2029/g, ' ');
  const config = { show: { sidebar: true }, expand: { messageExamples: true } };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(document.info.title)} ${html(document.info.version)}</title>
<link rel="stylesheet" href="${html(assets)}/asyncapi-react.css">
</head>
<body>
<div id="asyncapi"></div>
<script type="application/json" id="asyncapi-document">${data}</script>
<script src="${html(assets)}/asyncapi-react.js"></script>
<script>
AsyncApiStandalone.render(
  { schema: JSON.parse(document.getElementById('asyncapi-document').textContent), config: ${JSON.stringify(config)} },
  document.getElementById('asyncapi'),
);
</script>
</body>
</html>
`;
}

/** The page without the renderer package: everything a person needs, as static HTML. */
export function plainPage(document: AsyncApiDocument, jsonPath: string): string {
  const operations = Object.entries(document.operations)
    .map(([id, operation]) => operationHtml(id, operation, document))
    .join('\n');
  const schemas = Object.entries(document.components.schemas)
    .map(
      ([name, schema]) =>
        `<section id="schema-${html(name)}"><h3>${html(name)}</h3>${schemaHtml(schema)}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(document.info.title)} ${html(document.info.version)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
code,pre{font:13px ui-monospace,monospace}.op{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.action{font-weight:bold;text-transform:uppercase;padding:0 .4rem;border-radius:3px;color:#fff;background:#2b7}
.send{background:#27b}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
.note{color:#a50}
</style>
</head>
<body>
<h1>${html(document.info.title)} <small>${html(document.info.version)}</small></h1>
${document.info.description ? `<p>${html(document.info.description)}</p>` : ''}
<p>AsyncAPI ${document.asyncapi}: <a href="${html(jsonPath)}">${html(jsonPath)}</a>.
Install <code>@asyncapi/react-component</code> for the full renderer.</p>
${serversHtml(document)}
<h2>Operations</h2>
${operations}
<h2>Schemas</h2>
${schemas}
</body>
</html>
`;
}

function serversHtml(document: AsyncApiDocument): string {
  const servers = Object.entries(document.servers ?? {});
  if (servers.length === 0) return '';
  const rows = servers
    .map(
      ([name, s]) =>
        `<tr><td>${html(name)}</td><td><code>${html(`${s.protocol}://${s.host}${s.pathname ?? ''}`)}</code></td><td>${html(s.protocolVersion ?? '')}</td></tr>`,
    )
    .join('');
  return `<h2>Servers</h2><table><tr><th>Name</th><th>URL</th><th>MQTT</th></tr>${rows}</table>`;
}

function operationHtml(id: string, operation: AsyncApiOperation, document: AsyncApiDocument): string {
  const channel = resolve<AsyncApiChannel>(document, operation.channel.$ref);
  const qos = operation.bindings?.mqtt.qos;
  const facts = [
    qos === undefined ? '' : `QoS ${qos}`,
    operation.bindings?.mqtt.retain ? 'retained' : '',
    operation['x-koa-mqtt-share-group']
      ? `share group <code>${html(operation['x-koa-mqtt-share-group'])}</code>`
      : '',
    operation.reply ? 'answers MQTT 5 requests' : '',
  ].filter(Boolean);
  const parameters = Object.entries(channel?.parameters ?? {})
    .map(([name, p]) => `<tr><td><code>${html(name)}</code></td><td>${html(p.description ?? '')}</td></tr>`)
    .join('');
  const messages = operation.messages
    .map((ref) => resolve<AsyncApiChannel['messages'][string]>(document, ref.$ref))
    .map((message) =>
      message
        ? `<h4>Message ${html(message.name)}${message.contentType ? ` <code>${html(message.contentType)}</code>` : ''}</h4>${message.payload ? schemaHtml(message.payload, document) : ''}${notes(message['x-koa-mqtt-unexpressed'])}`
        : '',
    )
    .join('');
  return `<div class="op"><p><span class="action ${operation.action}">${operation.action}</span>
<code>${html(channel?.address ?? '(reply topic)')}</code> <small>${html(id)}</small></p>
${operation.summary ? `<p>${html(operation.summary)}</p>` : ''}
${facts.length ? `<p>${facts.join(' · ')}</p>` : ''}
${parameters ? `<table><tr><th>Parameter</th><th>Meaning</th></tr>${parameters}</table>` : ''}
${messages}</div>`;
}

function schemaHtml(schema: JsonSchema, document?: AsyncApiDocument): string {
  const target = schema.$ref && document ? resolve<JsonSchema>(document, schema.$ref) : schema;
  if (!target) return '';
  const rows = Object.entries(target.properties ?? {})
    .map(
      ([name, property]) =>
        `<tr><td><code>${html(name)}</code>${target.required?.includes(name) ? ' *' : ''}</td><td>${html(describeType(property))}</td><td>${html(constraints(property))}${notes(property['x-koa-mqtt-unexpressed'])}</td></tr>`,
    )
    .join('');
  if (!rows) return `<pre>${html(JSON.stringify(target, null, 2))}</pre>`;
  return `<table><tr><th>Field (* required)</th><th>Type</th><th>Constraints</th></tr>${rows}</table>`;
}

function describeType(schema: JsonSchema): string {
  const ref = schema.$ref ?? schema.allOf?.[0]?.$ref;
  if (ref) return ref.slice(ref.lastIndexOf('/') + 1);
  if (schema.type === 'array') return `array of ${schema.items ? describeType(schema.items) : 'anything'}`;
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  return [schema.type ?? 'any', schema.format].filter(Boolean).join(' ');
}

function constraints(schema: JsonSchema): string {
  const keys = [
    'minimum',
    'maximum',
    'exclusiveMinimum',
    'exclusiveMaximum',
    'minLength',
    'maxLength',
    'pattern',
    'minItems',
    'maxItems',
  ] as const;
  return keys
    .filter((key) => schema[key] !== undefined)
    .map((key) => `${key} ${String(schema[key])}`)
    .join(', ');
}

function notes(list: readonly string[] | undefined): string {
  return list?.length ? `<p class="note">Not expressed: ${list.map(escape).join('; ')}</p>` : '';
}

/** Follows a local `#/a/b/c` reference. */
function resolve<T>(document: AsyncApiDocument, ref: string): T | undefined {
  let node: unknown = document;
  for (const part of ref.replace(/^#\//, '').split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node as T | undefined;
}

function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

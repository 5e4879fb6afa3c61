// Send one CloudEvent in binary mode and one in structured mode to URL with the JavaScript
// CloudEvents SDK (npm cloudevents 10), over node's own fetch so the status code is visible,
// and decode each reply with HTTP.toEvent. Prints one JSON object: {results: [...]}.
//
//   node roundtrip.mjs http://127.0.0.1:8080/
//
// `cloudevents` resolves from packages/runtime-invoker/node_modules (node looks in the
// node_modules of every parent directory of this file).
import { randomUUID } from "node:crypto";
import { CloudEvent, HTTP } from "cloudevents";

const url = process.argv[2];
if (!url) {
  console.error("usage: node roundtrip.mjs URL");
  process.exit(2);
}

const OLD_TIME = "2020-01-02T03:04:05.000Z";

async function roundtrip(mode) {
  const sent = new CloudEvent({
    id: `js-${mode}-${randomUUID()}`,
    source: "urn:kn-fn:test:js-sdk",
    type: "dev.kn-fn.test.request",
    time: OLD_TIME,
    datacontenttype: "application/json",
    data: { sdk: "javascript", mode, list: [1, 2, 3] },
  });
  const message = mode === "binary" ? HTTP.binary(sent) : HTTP.structured(sent);
  const response = await fetch(url, { method: "POST", headers: message.headers, body: message.body });
  const headers = Object.fromEntries(response.headers.entries());
  const body = await response.text();
  const result = { mode, status: response.status, sentId: sent.id, sentHeaders: message.headers, headers, body };
  if (response.status === 200) {
    try {
      const reply = HTTP.toEvent({ headers, body });
      if (Array.isArray(reply)) throw new Error(`expected one event, got a batch of ${reply.length}`);
      reply.validate();
      result.reply = {
        specversion: reply.specversion,
        id: reply.id,
        source: reply.source,
        type: reply.type,
        time: reply.time,
        datacontenttype: reply.datacontenttype,
        data: reply.data,
      };
    } catch (error) {
      result.parseError = String(error && error.stack ? error.stack : error);
    }
  }
  return result;
}

const results = [];
for (const mode of ["binary", "structured"]) {
  results.push(await roundtrip(mode));
}
console.log(JSON.stringify({ sdk: "cloudevents (npm)", results }));

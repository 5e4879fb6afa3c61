// Send one CloudEvent with the JavaScript CloudEvents SDK (npm cloudevents 10) in binary and
// in structured mode, over node's fetch (the SDK's httpTransport hides the status code), and
// decode each reply with HTTP.toEvent. Prints one JSON object: {results: [...]}.
//
//   node roundtrip.mjs URL EVENT_JSON        EVENT_JSON: {"type", "source", "data", ...}
//
// `cloudevents` resolves from e2e/node_modules.
import { randomUUID } from "node:crypto";
import { CloudEvent, HTTP } from "cloudevents";

const [url, eventJson] = process.argv.slice(2);
if (!url || !eventJson) {
  console.error("usage: node roundtrip.mjs URL EVENT_JSON");
  process.exit(2);
}

async function roundtrip(mode) {
  const sent = new CloudEvent({ id: `js-${mode}-${randomUUID()}`, datacontenttype: "application/json", ...JSON.parse(eventJson) });
  const message = mode === "binary" ? HTTP.binary(sent) : HTTP.structured(sent);
  const response = await fetch(url, { method: "POST", headers: message.headers, body: message.body });
  const headers = Object.fromEntries(response.headers.entries());
  const body = await response.text();
  const result = { mode, status: response.status, sentId: sent.id, headers, body };
  if (response.status === 200) {
    try {
      const reply = HTTP.toEvent({ headers, body });
      if (Array.isArray(reply)) throw new Error(`expected one event, got a batch of ${reply.length}`);
      reply.validate();
      result.reply = { ...reply.toJSON(), data: reply.data };
    } catch (error) {
      result.parseError = String(error && error.stack ? error.stack : error);
    }
  }
  return result;
}

const results = [];
for (const mode of ["binary", "structured"]) results.push(await roundtrip(mode));
console.log(JSON.stringify({ results }));

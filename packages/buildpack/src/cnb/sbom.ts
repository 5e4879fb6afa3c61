// <layer>.sbom.cdx.json: CycloneDX 1.5 JSON. Deterministic: no timestamp, and the serial
// number is derived from the content, so equal inputs give equal bytes.
import { createHash } from "node:crypto";

export interface Distribution {
  name: string;
  version: string;
  /** Another package type's purl (e.g. pkg:deb/...); PyPI's when absent. */
  purl?: string;
}

export const CYCLONEDX_MEDIA_TYPE = "application/vnd.cyclonedx+json";

/** PEP 503 normalised name, as purl-spec asks for pypi. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

export function purl(d: Distribution): string {
  return d.purl ?? `pkg:pypi/${normaliseName(d.name)}@${encodeURIComponent(d.version)}`;
}

function uuidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  // Shaped as an RFC 4122 UUID (version 5 style bits) from the content's hash.
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function renderCycloneDx(distributions: readonly Distribution[]): string {
  const sorted = [...distributions].sort((a, b) => {
    const x = normaliseName(a.name);
    const y = normaliseName(b.name);
    return x < y ? -1 : x > y ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
  });
  const components = sorted.map((d) => ({
    type: "library",
    "bom-ref": purl(d),
    name: d.name,
    version: d.version,
    purl: purl(d),
  }));
  const body = {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: `urn:uuid:${uuidFrom(JSON.stringify(components))}`,
    version: 1,
    metadata: {
      tools: { components: [{ type: "application", name: "kn-fn/python-function" }] },
    },
    components,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

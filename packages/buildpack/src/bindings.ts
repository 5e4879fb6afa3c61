// Build-time bindings of type `ca-certificates`: extra certificate authorities pip must trust
// to reach a package index, e.g. behind a proxy that re-signs HTTPS with its own CA.
//
// A binding is a directory `<platform>/bindings/<name>/` with a `type` file (CNB bindings
// extension, https://github.com/buildpacks/spec/blob/main/extensions/bindings.md); pack
// mounts one with `--volume DIR:/platform/bindings/<name>`. `ca-certificates` is the type the
// Paketo CA certificates buildpack reads, so one binding serves both. Every file in the
// binding other than `type` and `provider` is a PEM certificate (or bundle).
//
// The bundle pip gets is the build image's own CA store plus the bound certificates, written
// outside every layer: bindings must not end up in the image.
import * as path from "node:path";
import { BuildpackError } from "./errors";
import type { FileSystem } from "./io";
import { errors } from "./messages";

export const CA_CERTIFICATES = "ca-certificates";
/** Debian's CA store (the stack is Debian 12). */
export const SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const METADATA_FILES = new Set(["type", "provider"]);
const PEM_BEGIN = "-----BEGIN CERTIFICATE-----";

export interface CaBinding {
  name: string;
  /** Absolute paths of the certificate files, sorted. */
  files: string[];
}

/** The `ca-certificates` bindings under `<platformDir>/bindings`, sorted by name. */
export function caCertificateBindings(fs: FileSystem, platformDir: string): CaBinding[] {
  const root = path.join(platformDir, "bindings");
  if (fs.kind(root) !== "dir") return [];
  const found: CaBinding[] = [];
  for (const name of fs.readdir(root)) {
    const dir = path.join(root, name);
    const typeFile = path.join(dir, "type");
    if (fs.kind(typeFile) !== "file") continue;
    if (fs.readFile(typeFile).toString("utf8").trim().toLowerCase() !== CA_CERTIFICATES) continue;
    const files = fs
      .readdir(dir)
      .filter((f) => !METADATA_FILES.has(f) && !f.startsWith("."))
      .map((f) => path.join(dir, f))
      .filter((f) => fs.kind(f) === "file");
    found.push({ name, files });
  }
  return found;
}

/**
 * Pure: the bundle pip should trust, from the system bundle's text (or undefined when the
 * build image has none) and each bound file's text. A bound file without a PEM certificate
 * fails the build: silently ignoring it would surface later as an opaque TLS error from pip.
 */
export function caBundle(system: string | undefined, bound: { file: string; text: string }[]): string {
  const parts = system === undefined ? [] : [system.trimEnd()];
  for (const { file, text } of bound) {
    if (!text.includes(PEM_BEGIN)) throw new BuildpackError("ca-binding-invalid", errors.caBindingInvalid(file));
    parts.push(text.trimEnd());
  }
  return `${parts.join("\n")}\n`;
}

/**
 * Writes the combined bundle to `bundleFile` and returns pip's environment for it, or an empty
 * environment when there is no ca-certificates binding (pip then uses its own CA list).
 */
export function pipCaEnvironment(fs: FileSystem, platformDir: string, bundleFile: string): { env: Record<string, string>; bindings: CaBinding[] } {
  const bindings = caCertificateBindings(fs, platformDir);
  const files = bindings.flatMap((b) => b.files);
  if (files.length === 0) return { env: {}, bindings };
  const system = fs.kind(SYSTEM_CA_BUNDLE) === "file" ? fs.readFile(SYSTEM_CA_BUNDLE).toString("utf8") : undefined;
  const bundle = caBundle(system, files.map((file) => ({ file, text: fs.readFile(file).toString("utf8") })));
  fs.mkdirp(path.dirname(bundleFile));
  fs.writeFile(bundleFile, bundle);
  // SSL_CERT_FILE is what uv reads (and build backends); PIP_CERT for a pip a build backend runs.
  return { env: { PIP_CERT: bundleFile, SSL_CERT_FILE: bundleFile }, bindings };
}

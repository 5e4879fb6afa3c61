// Where uv finds packages, and the secrets that come with it. Three ways in, all at build time
// only:
//   - uv's own variables given with pack build --env (UV_DEFAULT_INDEX, UV_INDEX, UV_INDEX_URL,
//     UV_EXTRA_INDEX_URL, UV_INDEX_<NAME>_USERNAME/PASSWORD, ...): the lifecycle passes
//     platform env to the buildpack (clear-env is false), so uv sees them as they are;
//   - pip's (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS, PIP_TRUSTED_HOST,
//     PIP_NO_INDEX), translated to uv's, since a pip user's CI already sets them;
//   - a binding of type `package-index` (the CNB way, a secret that is mounted, not an env):
//     files `index-url` and/or `extra-index-url`, optionally `username` and `password`.
// Every credential found is collected so that the build log can redact it (redact.ts); none
// is ever written into a layer, layer metadata or a cache key.
import * as path from "node:path";
import { BuildpackError } from "./errors";
import type { FileSystem } from "./io";
import { errors } from "./messages";

export const PACKAGE_INDEX = "package-index";
const BINDING_KEYS = new Set(["type", "provider", "index-url", "extra-index-url", "username", "password"]);

/** pip variable -> the uv variable with the same meaning. */
export const PIP_TO_UV: Readonly<Record<string, string>> = {
  PIP_INDEX_URL: "UV_DEFAULT_INDEX",
  PIP_EXTRA_INDEX_URL: "UV_INDEX",
  PIP_TRUSTED_HOST: "UV_INSECURE_HOST",
};
/** Variables whose values may hold credentials in URLs. */
const URL_VARIABLES = ["UV_DEFAULT_INDEX", "UV_INDEX", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"];
/** Variables that are credentials themselves (uv's per-index and per-publish ones). */
const CREDENTIAL_VARIABLE = /^UV_INDEX_[A-Z0-9_]+_PASSWORD$|_TOKEN$/;

export interface IndexBinding {
  name: string;
  indexUrl: string | undefined;
  extraIndexUrl: string | undefined;
}

export interface IndexSettings {
  /** Added to uv's environment. */
  env: Record<string, string>;
  /**
   * Extra --find-links for uv, from UV_FIND_LINKS (comma-separated) or PIP_FIND_LINKS
   * (space-separated): given on the command line, because uv ignores the variable when the
   * buildpack passes its own --find-links.
   */
  findLinks: string[];
  /** PIP_NO_INDEX: uv has no variable for --no-index, so it is given on the command line. */
  noIndex: boolean;
  /** Log lines: which settings were found (never their values). */
  notes: string[];
  /** Every credential, to redact from the log. */
  secrets: string[];
}

/** Pure: user and password of every URL in a value (space-separated, pip-style `name=url` allowed). */
export function urlCredentials(value: string): string[] {
  const found: string[] = [];
  for (const match of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/([^/@\s]+)@/gi)) {
    const userinfo = match[1] as string;
    const colon = userinfo.indexOf(":");
    // user:password -> the password; a lone token (https://TOKEN@host) -> the token. A user
    // name is not a secret, and masking it would mask that word all over the log.
    const secret = colon === -1 ? userinfo : userinfo.slice(colon + 1);
    if (secret !== "") found.push(secret, safeDecode(secret));
  }
  return found;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Pure: `scheme://user:password@host/...` from a URL and optional credentials. */
export function withCredentials(url: string, username: string | undefined, password: string | undefined): string {
  if (username === undefined && password === undefined) return url;
  const match = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^/@]*@)?(.*)$/i.exec(url);
  if (match === null) throw new BuildpackError("index-binding-invalid", errors.indexBindingUrl());
  const userinfo = `${encodeURIComponent(username ?? "")}${password === undefined ? "" : `:${encodeURIComponent(password)}`}`;
  return `${match[1]}${userinfo}@${match[2]}`;
}

export function readIndexBindings(fs: FileSystem, platformDir: string): { bindings: IndexBinding[]; secrets: string[] } {
  const root = path.join(platformDir, "bindings");
  const bindings: IndexBinding[] = [];
  const secrets: string[] = [];
  if (fs.kind(root) !== "dir") return { bindings, secrets };
  for (const name of fs.readdir(root)) {
    const dir = path.join(root, name);
    const typeFile = path.join(dir, "type");
    if (fs.kind(typeFile) !== "file" || fs.readFile(typeFile).toString("utf8").trim().toLowerCase() !== PACKAGE_INDEX) continue;
    const read = (key: string) => {
      const file = path.join(dir, key);
      return fs.kind(file) === "file" ? fs.readFile(file).toString("utf8").trim() : undefined;
    };
    const unknown = fs.readdir(dir).filter((f) => !BINDING_KEYS.has(f) && !f.startsWith("."));
    const username = read("username");
    const password = read("password");
    // The password, or a token given as the user name alone.
    const secret = password ?? username;
    if (secret) secrets.push(secret, encodeURIComponent(secret));
    const indexUrl = read("index-url");
    const extraIndexUrl = read("extra-index-url");
    if ((indexUrl === undefined && extraIndexUrl === undefined) || unknown.length > 0) {
      throw new BuildpackError("index-binding-invalid", errors.indexBindingInvalid(name, unknown));
    }
    const full = (url: string | undefined) => (url === undefined ? undefined : withCredentials(url, username, password));
    const binding = { name, indexUrl: full(indexUrl), extraIndexUrl: full(extraIndexUrl) };
    for (const url of [binding.indexUrl, binding.extraIndexUrl]) if (url !== undefined) secrets.push(...urlCredentials(url));
    bindings.push(binding);
  }
  return { bindings, secrets };
}

/**
 * Pure: uv's environment from the build's environment and the bindings. uv's own variables
 * win over pip's; a binding's index-url wins over both (it is the most deliberate setting),
 * and its extra-index-url is added to theirs.
 */
export function indexSettings(env: Readonly<Record<string, string | undefined>>, bindings: IndexBinding[], bindingSecrets: string[]): IndexSettings {
  const out: Record<string, string> = {};
  const notes: string[] = [];
  const secrets = [...bindingSecrets];
  for (const [pip, uv] of Object.entries(PIP_TO_UV)) {
    const value = env[pip];
    if (value === undefined || value === "") continue;
    const setBy = env[uv] !== undefined ? uv : uv === "UV_DEFAULT_INDEX" && env["UV_INDEX_URL"] !== undefined ? "UV_INDEX_URL" : undefined;
    if (setBy !== undefined) {
      notes.push(`${pip} ignored: ${setBy} is set`);
      continue;
    }
    out[uv] = value;
    notes.push(`${pip} -> ${uv}`);
  }
  let findLinks: string[] = [];
  if (env["UV_FIND_LINKS"]) {
    findLinks = env["UV_FIND_LINKS"].split(",").map((l) => l.trim()).filter((l) => l !== "");
    if (env["PIP_FIND_LINKS"]) notes.push("PIP_FIND_LINKS ignored: UV_FIND_LINKS is set");
  } else if (env["PIP_FIND_LINKS"]) {
    findLinks = env["PIP_FIND_LINKS"].split(/\s+/).filter((l) => l !== "");
    notes.push("PIP_FIND_LINKS -> uv --find-links");
  }
  // pip reads 1/true/yes/on as set (and 0/false/no/off as not).
  const noIndex = /^(1|true|yes|on)$/i.test((env["PIP_NO_INDEX"] ?? "").trim());
  if (noIndex) notes.push("PIP_NO_INDEX -> uv --no-index");
  const ignoredPip = Object.keys(env).filter((name) => name.startsWith("PIP_") && PIP_TO_UV[name] === undefined && !["PIP_CERT", "PIP_FIND_LINKS", "PIP_NO_INDEX"].includes(name)).sort();
  if (ignoredPip.length > 0) notes.push(`not read by uv: ${ignoredPip.join(", ")}`);
  for (const binding of bindings) {
    if (binding.indexUrl !== undefined) {
      out["UV_DEFAULT_INDEX"] = binding.indexUrl;
      notes.push(`binding ${binding.name}: index-url -> UV_DEFAULT_INDEX`);
    }
    if (binding.extraIndexUrl !== undefined) {
      const before = out["UV_INDEX"] ?? env["UV_INDEX"];
      out["UV_INDEX"] = before === undefined || before === "" ? binding.extraIndexUrl : `${binding.extraIndexUrl} ${before}`;
      notes.push(`binding ${binding.name}: extra-index-url -> UV_INDEX`);
    }
  }
  for (const name of URL_VARIABLES) {
    // Both: a binding's index-url replaces UV_DEFAULT_INDEX for uv, but the build's own value is still a secret.
    for (const value of [out[name], env[name]]) if (value !== undefined) secrets.push(...urlCredentials(value));
  }
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== "" && CREDENTIAL_VARIABLE.test(name)) secrets.push(value);
  }
  return { env: out, findLinks, noIndex, notes, secrets: [...new Set(secrets)] };
}

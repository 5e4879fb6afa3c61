import { z } from "zod";
import { configProblem } from "../messages";

/**
 * The builder config (one TOML file). Defaults serve the common case, so the shipped
 * builder.config.toml only says what differs from them. Keys are kebab-case like pack's.
 */

const imageRepository = z
  .string()
  .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, "an image repository like kn-fn/run");
const tag = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "an image tag like 0.1.0 or latest");
const registryHost = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$/, "a registry host[:port] like registry.example.com or 127.0.0.1:5000");
const debianPackage = z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, "a Debian package name like python3");
const url = z.string().regex(/^https?:\/\/\S+$/, "an http(s) URL");
const buildpackId = z.string().regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$|^[A-Za-z0-9._-]+$/, "a buildpack id like kn-fn/python-function");

const user = (defaults: { name: string; uid: number; gid: number }) =>
  z
    .strictObject({
      name: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "a user name like cnb").default(defaults.name),
      uid: z.int().min(1).max(65533).default(defaults.uid),
      gid: z.int().min(1).max(65533).default(defaults.gid),
    })
    .prefault({});

export const DEFAULT_BUILD_PACKAGES = ["python3", "python3-venv", "python3-dev", "build-essential", "ca-certificates"];
/**
 * Besides Python, CA certificates and tzdata, the run image carries every library the
 * manylinux policy (PEP 600) lets a wheel link that libc6 does not already bring: the stack
 * build checks the result against the policy data (src/stack/manylinux-policy.json).
 * usr-is-merged stands in for usrmerge (which would pull Perl); libgl1 comes without Mesa
 * (src/stack/gl-stub.ts).
 */
export const MANYLINUX_RUN_PACKAGES = [
  "libstdc++6",
  "libgcc-s1",
  "libatomic1",
  "libexpat1",
  "zlib1g",
  "libglib2.0-0",
  "libx11-6",
  "libxext6",
  "libxrender1",
  "libice6",
  "libsm6",
  "libgl1",
  "usr-is-merged",
];
export const DEFAULT_RUN_PACKAGES = ["python3", "ca-certificates", "tzdata", ...MANYLINUX_RUN_PACKAGES];

export const configSchema = z.strictObject({
  version: tag.default("0.1.0"),
  description: z.string().default("kn-fn builder: Debian 12, Python 3 and the kn-fn/python-function buildpack"),
  homepage: url.default("https://github.com/kn-fn/kn-fn"),
  maintainer: z.string().default("kn-fn maintainers"),
  stack: z
    .strictObject({
      id: z.string().default("io.kn-fn.stacks.bookworm"),
      suite: z.string().default("bookworm"),
      "distro-version": z.string().default("12"),
      // The newest manylinux policy the stack's glibc (2.36) meets: the run image must carry
      // every library it and the older policies allow.
      "manylinux-policy": z.string().regex(/^manylinux_\d+_\d+$/, "a policy name like manylinux_2_36").default("manylinux_2_36"),
      mirror: url.default("http://deb.debian.org/debian"),
      "security-mirror": url.default("http://deb.debian.org/debian-security"),
      // 2025-05-20T00:00:00Z; fixes every mtime and the image `created` date.
      "source-date-epoch": z.int().min(315532801).default(1747699200),
      build: z
        .strictObject({
          image: imageRepository.default("kn-fn/build"),
          packages: z.array(debianPackage).min(1).default(DEFAULT_BUILD_PACKAGES),
          user: user({ name: "cnb", uid: 1000, gid: 1000 }),
        })
        .prefault({}),
      run: z
        .strictObject({
          image: imageRepository.default("kn-fn/run"),
          packages: z.array(debianPackage).min(1).default(DEFAULT_RUN_PACKAGES),
          user: user({ name: "cnb", uid: 1000, gid: 1000 }),
        })
        .prefault({}),
    })
    .prefault({}),
  buildpacks: z
    .array(z.strictObject({ path: z.string().min(1) }))
    .min(1)
    .default([{ path: "../buildpack/dist/buildpack" }]),
  order: z
    .array(
      z.strictObject({
        group: z
          .array(z.strictObject({ id: buildpackId, version: z.string().optional(), optional: z.boolean().default(false) }))
          .min(1),
      }),
    )
    .optional(),
  lifecycle: z.strictObject({ tgz: z.string().min(1).optional() }).prefault({}),
  builder: z
    .strictObject({
      image: imageRepository.default("kn-fn/builder"),
      tags: z.array(tag).min(1).optional(),
    })
    .prefault({}),
  publish: z.strictObject({ registry: registryHost.optional() }).prefault({}),
});

export type BuilderConfig = z.output<typeof configSchema>;

/** "stack.run.packages[2]" from a zod path. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "a table";
  if (typeof value === "string") return `a string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function describeExpected(expected: string): string {
  switch (expected) {
    case "object":
      return "a table";
    case "array":
      return "an array";
    case "int":
      return "an integer";
    default:
      return `a ${expected}`;
  }
}

/** Every problem with a parsed TOML document, as "key.path: expected …, found …" lines. */
export function validateConfig(raw: unknown): { ok: true; config: BuilderConfig } | { ok: false; problems: string[] } {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    return { ok: false, problems: result.error.issues.map((issue) => describeIssue(issue, raw)) };
  }
  const config = result.data;
  const problems: string[] = [];
  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}

function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const key of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(key)] ?? schema;
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) {
      s = s.unwrap() as z.ZodType;
    } else return s;
  }
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = formatKeyPath(issue.path);
  switch (issue.code) {
    case "invalid_type": {
      const input = (issue as { input?: unknown }).input;
      if (input === undefined) return configProblem.missing(path, describeExpected(issue.expected));
      return configProblem.wrongType(path, describeExpected(issue.expected), describeValue(input));
    }
    case "unrecognized_keys":
      return issue.keys
        .map((key) => configProblem.unknownKey(path, key, knownKeysAt(issue.path)))
        .join("; ");
    case "invalid_format":
      return configProblem.pattern(path, issue.message, String((issue as { input?: unknown }).input ?? valueAt(raw, issue.path)));
    case "too_small":
      if (issue.origin === "array") return configProblem.tooSmall(path, issue.minimum);
      return configProblem.range(path, `at least ${issue.minimum}, found ${String((issue as { input?: unknown }).input)}`);
    case "too_big":
      return configProblem.range(path, `at most ${issue.maximum}, found ${String((issue as { input?: unknown }).input)}`);
    default:
      return configProblem.other(path, issue.message);
  }
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const key of path) v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

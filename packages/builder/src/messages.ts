/**
 * Every user-facing text of kn-fn-builder: errors (what happened, what was found, what to do)
 * and progress lines. Nothing else in the package builds a sentence for a person.
 */

export type BuilderErrorKind =
  | "config-not-found"
  | "config-toml"
  | "config-invalid"
  | "buildpack-not-found"
  | "buildpack-descriptor"
  | "lifecycle-missing"
  | "lifecycle-descriptor"
  | "mmdebstrap-failed"
  | "run-image-libraries"
  | "image-not-found"
  | "image-config-mismatch"
  | "docker-load-failed"
  | "cnb-invalid"
  | "registry-unreachable"
  | "push-denied"
  | "push-failed"
  | "image-missing-locally"
  | "unknown-template"
  | "template-missing"
  | "not-a-directory"
  | "directory-not-empty"
  | "usage";

export class BuilderError extends Error {
  constructor(
    readonly kind: BuilderErrorKind,
    message: string,
  ) {
    super(`[Error: ${kind.replace(/-/g, " ")}] ${message}`);
    this.name = "BuilderError";
  }
}

export const errors = {
  unknownManylinuxPolicy: (policy: string, known: string[]) =>
    new BuilderError(
      "config-invalid",
      `stack.manylinux-policy: ${policy} is not in the manylinux policy data; known policies: ${known.join(", ")}.`,
    ),
  runImageLacksPolicyLibraries: (image: string, policy: string, missing: string[]) =>
    new BuilderError(
      "run-image-libraries",
      `${image} lacks ${missing.join(", ")}, which wheels may link under ${policy} (PEP 600). Add the Debian packages that ship ${missing.length === 1 ? "it" : "them"} to stack.run.packages.`,
    ),
  configNotFound: (path: string) =>
    new BuilderError(
      "config-not-found",
      `${path} does not exist. Pass --config <file> or create builder.config.toml (see packages/builder/builder.config.toml).`,
    ),
  configToml: (path: string, detail: string) =>
    new BuilderError("config-toml", `${path} is not valid TOML: ${detail}. Fix the syntax at the line shown.`),
  configInvalid: (path: string, problems: string[]) =>
    new BuilderError(
      "config-invalid",
      `${path} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    ),
  buildpackNotFound: (dir: string) =>
    new BuilderError(
      "buildpack-not-found",
      `no buildpack.toml in ${dir}. Build the buildpack first (pnpm --filter @kn-fn/buildpack build) or set [[buildpacks]] path in the config.`,
    ),
  buildpackDescriptor: (file: string, detail: string) =>
    new BuilderError("buildpack-descriptor", `${file}: ${detail}. A buildpack.toml needs api, [buildpack] id and version.`),
  lifecycleMissing: () =>
    new BuilderError(
      "lifecycle-missing",
      "no lifecycle tgz: [lifecycle] tgz is not set in the config and KN_FN_LIFECYCLE_TGZ is not in the environment. Run `bash scripts/setup.sh` and `source ~/.cache/kn-fn/env.sh`, or set [lifecycle] tgz.",
    ),
  lifecycleDescriptor: (tgz: string, detail: string) =>
    new BuilderError(
      "lifecycle-descriptor",
      `${tgz}: ${detail}. A release-style lifecycle tgz has lifecycle.toml at the top and lifecycle/ with the binaries.`,
    ),
  mmdebstrapFailed: (image: string, code: number | null, tail: string) =>
    new BuilderError(
      "mmdebstrap-failed",
      `mmdebstrap for the ${image} image exited with ${code}. Last lines of its output:\n${tail}\nCheck that the mirror in [stack] is reachable and the packages exist in the suite.`,
    ),
  imageNotFound: (ref: string, hint: string) =>
    new BuilderError("image-not-found", `image ${ref} is not in the Docker engine. ${hint}`),
  imageConfigMismatch: (ref: string, expected: string, got: string) =>
    new BuilderError(
      "image-config-mismatch",
      `the config saved for ${ref} hashes to ${got}, but the engine says its ID is ${expected}. Re-run \`kn-fn-builder stack\`.`,
    ),
  dockerLoadFailed: (ref: string, detail: string) =>
    new BuilderError("docker-load-failed", `docker load of ${ref} failed: ${detail}`),
  cnbInvalid: (file: string, detail: string) =>
    new BuilderError("cnb-invalid", `${file} is not a buildpackage made by kn-fn-builder: ${detail}. Re-run \`kn-fn-builder package\`.`),
  registryUnreachable: (registry: string, detail: string) =>
    new BuilderError(
      "registry-unreachable",
      `the Docker engine cannot reach the registry ${registry}: ${detail}. Check that the registry is running and that --registry (or [publish] registry) names its host:port; a registry outside 127.0.0.0/8 without TLS must be listed in the engine's insecure-registries.`,
    ),
  pushDenied: (ref: string, registry: string, detail: string) =>
    new BuilderError(
      "push-denied",
      `the registry ${registry} refused the push of ${ref}: ${detail}. kn-fn-builder sends no credentials (the engine does not read \`docker login\`), so it can push only where anonymous pushes are allowed: use such a registry, e.g. a local docker-registry.`,
    ),
  pushFailed: (ref: string, detail: string) => new BuilderError("push-failed", `docker push of ${ref} failed: ${detail}`),
  imageMissingLocally: (ref: string) =>
    new BuilderError(
      "image-missing-locally",
      `image ${ref} is not in the Docker engine, so it cannot be published. Run \`kn-fn-builder all\` (or \`stack\` and \`create\`) first.`,
    ),
  unknownTemplate: (name: string, known: string[]) =>
    new BuilderError(
      "unknown-template",
      `there is no template ${JSON.stringify(name)}. Known templates: ${known.join(", ")}. Pass --template ${known.join(" or --template ")}.`,
    ),
  templateMissing: (name: string, dir: string) =>
    new BuilderError(
      "template-missing",
      `the ${name} template is not at ${dir}. kn-fn-builder new copies templates/python/<template>/ from the kn-fn repository it runs in: run packages/builder/bin/kn-fn-builder of a complete checkout.`,
    ),
  notADirectory: (dir: string) =>
    new BuilderError(
      "not-a-directory",
      `${dir} exists and is not a directory. kn-fn-builder new writes the function into a directory: pass a path that does not exist yet or an empty directory.`,
    ),
  directoryNotEmpty: (dir: string, found: string[]) =>
    new BuilderError(
      "directory-not-empty",
      `${dir} is not empty: it has ${describeEntries(found)}. kn-fn-builder new never overwrites files: pass a path that does not exist yet or an empty directory, or remove what is there.`,
    ),
  noRegistry: () =>
    new BuilderError(
      "usage",
      `publish needs a registry: pass --registry HOST[:PORT] or set [publish] registry in the config.\n\n${usageText}`,
    ),
  usage: (detail: string) => new BuilderError("usage", `${detail}\n\n${usageText}`),
  newNeedsDir: () =>
    new BuilderError("usage", `new needs the directory to write the function into: kn-fn-builder new DIR [--template http|cloudevents]\n\n${usageText}`),
  newExtraArgument: (dir: string, extra: string) =>
    new BuilderError("usage", `new takes one directory, found ${JSON.stringify(dir)} and ${JSON.stringify(extra)}\n\n${usageText}`),
};

/** "a, b and c" or "a, b, c, d, e and 3 more": what was found, kept to one line. */
function describeEntries(names: string[]): string {
  const shown = names.slice(0, 5);
  const rest = names.length - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${rest} more`;
  if (shown.length === 1) return shown[0] as string;
  return `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

/** Zod issue → "key.path[2] what is expected, what was found". */
export const configProblem = {
  missing: (path: string, expected: string) => `${path}: required, expected ${expected}`,
  wrongType: (path: string, expected: string, found: string) => `${path}: expected ${expected}, found ${found}`,
  unknownKey: (path: string, key: string, known: string[]) =>
    `${path === "" ? key : `${path}.${key}`}: unknown key; known keys here: ${known.join(", ")}`,
  pattern: (path: string, what: string, found: string) => `${path}: expected ${what}, found ${JSON.stringify(found)}`,
  tooSmall: (path: string, min: number | bigint) => `${path}: expected at least ${min} item${min === 1 ? "" : "s"}`,
  range: (path: string, detail: string) => `${path}: expected ${detail}`,
  other: (path: string, message: string) => `${path || "(top level)"}: ${message}`,
  orderUnknownBuildpack: (path: string, id: string, known: string[]) =>
    `${path}: buildpack ${id} is not among [[buildpacks]] (${known.join(", ")}); add it there or fix the id`,
};

export const usageText = `Usage: kn-fn-builder <command> [--config builder.config.toml] [--out DIR] [--registry HOST[:PORT]]
       kn-fn-builder new DIR [--template http|cloudevents]

Commands:
  stack     build the Debian 12 build and run images and load them into Docker
  package   write the buildpack as a .cnb (OCI layout)
  create    assemble the builder image on top of the build image (runs package)
  toml      write builder.toml for \`pack builder create\`
  all       stack, package, create and toml, then a summary
  publish   push the build, run and builder images to --registry (or [publish] registry)
  new       copy a Python function template into DIR (created; must be new or empty);
            --template http (the default) or cloudevents`;

export const progress = {
  step: (title: string) => `==> ${title}`,
  run: (cmd: string) => `    $ ${cmd}`,
  cacheHit: (what: string, key: string, file: string) => `    cache hit: ${what} (key ${key.slice(0, 12)}) at ${file}`,
  cacheMiss: (what: string, key: string, reason: string) => `    cache miss: ${what} (key ${key.slice(0, 12)}): ${reason}`,
  layer: (name: string, diffId: string, size: number) =>
    `    layer ${name}: ${diffId.slice(0, 19)} ${formatSize(size)}`,
  loading: (ref: string) => `    loading ${ref} into Docker`,
  loaded: (ref: string, id: string, seconds: number) => `    loaded ${ref} ${id.slice(0, 19)} in ${seconds.toFixed(1)} s`,
  wrote: (file: string) => `    wrote ${file}`,
  runLibraries: (count: number, policy: string) =>
    `    run image libraries: ${count} shared objects, every one ${policy} allows among them`,
  reused: (file: string, why: string) => `    reused ${file} (${why})`,
  newNext: (dir: string) =>
    ["", "    next:", `    cd ${dir}`, "    README.md there shows how to build it with pack, run it, call it and deploy it on Knative"].join("\n"),
  pushing: (local: string, remote: string) => `    pushing ${local} as ${remote}`,
  pushLayer: (layer: string, status: string) => `      ${layer.slice(0, 12)} ${status}`,
  pushLayerProgress: (layer: string, current: number, total: number) =>
    `      ${layer.slice(0, 12)} pushing ${formatSize(current)} / ${formatSize(total)}`,
  pushed: (remote: string, digest: string, seconds: number) => `    pushed ${remote} ${digest.slice(0, 19)} in ${seconds.toFixed(1)} s`,
  publishSummary: (rows: { remote: string; id: string; digest: string }[]) =>
    ["==> published", ...rows.map((r) => `    ${r.remote.padEnd(44)} image ${r.id.slice(0, 19)}  manifest ${r.digest.slice(0, 19)}`)].join("\n"),
  summary: (rows: { name: string; id: string; size: number }[], nextCommand: string) =>
    [
      "==> summary",
      ...rows.map((r) => `    ${r.name.padEnd(32)} ${r.id.slice(0, 19)}  ${formatSize(r.size)}`),
      "",
      "    next:",
      `    ${nextCommand}`,
    ].join("\n"),
};

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

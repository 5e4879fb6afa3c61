// Layer `system-packages` (launch, cached): Debian packages a function declares in
// project.toml, for libraries no base image has (libpq, poppler, ...), as Heroku's deb-packages
// buildpack does. apt runs as the build user with its own state and cache dirs: it resolves
// against the run image's dpkg status (so only what the run image lacks comes), from the
// build image's sources (the stack's suite), checking the archive's signatures and each
// .deb's hash as it always does. Each .deb is unpacked into the layer; nothing runs its
// maintainer scripts, so a package that has any is refused. The launch environment finds the
// libraries through LD_LIBRARY_PATH.
import * as path from "node:path";
import * as TOML from "@iarna/toml";
import { writeEnv } from "../cnb/env";
import { discardLayer, freshLayer, layerDir, readLayerMetadata, writeLayerToml } from "../cnb/layer";
import { renderCycloneDx } from "../cnb/sbom";
import { BuildpackError } from "../errors";
import type { FileSystem, Runner } from "../io";
import type { Logger } from "../log";
import { errors, log as text, reasons } from "../messages";

export const SYSTEM_PACKAGES_LAYER = "system-packages";
/** apt's lists and downloaded .debs, kept between builds (cache only). */
export const APT_CACHE_LAYER = "apt-cache";
/** Where kn-fn-builder writes the run image's dpkg status into the build image. */
export const RUN_DPKG_STATUS_PATH = "/usr/share/kn-fn/run-image-dpkg-status";
/** Names another dpkg status file (a builder that describes its run image elsewhere; tests). */
export const RUN_DPKG_STATUS_ENV = "KN_FN_RUN_IMAGE_DPKG_STATUS";
export const SYSTEM_PACKAGES_FORMAT = "1";
const TABLE = "com.kn-fn.system-packages";
const DEBIAN_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const MAINTAINER_SCRIPTS = ["preinst", "postinst", "prerm", "postrm", "config"];
/** Relative to the layer: Debian's multiarch library directories (amd64), where packages put libraries. */
const LIBRARY_DIRS = ["usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu"];

export interface DebPackage {
  name: string;
  version: string;
}

export interface SystemPackages {
  /** The layer (root of the unpacked packages); undefined when none were declared. */
  root: string | undefined;
  /** LD_LIBRARY_PATH for the build's own checks and for launch. */
  libraryPath: string | undefined;
}

/** project.toml [com.kn-fn.system-packages] install = [...]: the declared names, sorted. */
export function readSystemPackages(fs: FileSystem, appDir: string): string[] {
  const file = path.join(appDir, "project.toml");
  if (fs.kind(file) !== "file") return [];
  let parsed: TOML.JsonMap;
  try {
    parsed = TOML.parse(fs.readFile(file).toString("utf8"));
  } catch (error) {
    throw new BuildpackError("system-packages-invalid", errors.projectTomlUnreadable((error as Error).message));
  }
  const table = (((parsed["com"] as TOML.JsonMap | undefined)?.["kn-fn"] as TOML.JsonMap | undefined)?.["system-packages"]) as TOML.JsonMap | undefined;
  if (table === undefined) return [];
  const install = table["install"];
  const unknown = Object.keys(table).filter((k) => k !== "install");
  if (unknown.length > 0 || !Array.isArray(install) || install.some((n) => typeof n !== "string" || !DEBIAN_NAME.test(n))) {
    throw new BuildpackError("system-packages-invalid", errors.systemPackagesInvalid(TABLE, JSON.stringify(table)));
  }
  return [...new Set(install as string[])].sort();
}

export interface SystemPackagesContext {
  appDir: string;
  layersDir: string;
  arch: string;
  runDpkgStatus: string;
  fs: FileSystem;
  runner: Runner;
  logger: Logger;
}

/** Every reason the cached layer cannot serve; none means reuse. */
export function systemPackagesInvalidationReasons(cached: Record<string, string> | undefined, wanted: Record<string, string>): string[] {
  if (cached === undefined) return [reasons.noSystemPackagesCache];
  const found: string[] = [];
  if (cached["format"] !== wanted["format"]) found.push(reasons.formatChanged(cached["format"] ?? "(none)", wanted["format"] as string));
  if (cached["requested"] !== wanted["requested"]) found.push(reasons.systemPackagesListChanged(cached["requested"] ?? "", wanted["requested"] as string));
  else if (cached["resolved"] !== wanted["resolved"]) found.push(reasons.systemPackagesArchiveChanged(cached["resolved"] ?? "", wanted["resolved"] as string));
  if (cached["arch"] !== wanted["arch"]) found.push(reasons.archChanged(cached["arch"] ?? "(none)", wanted["arch"] as string));
  return found;
}

export async function installSystemPackages(ctx: SystemPackagesContext, requested: string[]): Promise<SystemPackages> {
  const layer = layerDir(ctx.layersDir, SYSTEM_PACKAGES_LAYER);
  if (requested.length === 0) {
    discardLayer(ctx.fs, ctx.layersDir, SYSTEM_PACKAGES_LAYER);
    return { root: undefined, libraryPath: undefined };
  }
  if (ctx.fs.kind(ctx.runDpkgStatus) !== "file") throw new BuildpackError("system-packages-unsupported", errors.systemPackagesUnsupported(ctx.runDpkgStatus));

  const apt = aptCommand(ctx);
  await aptStep(ctx, [...apt, "update"], (o) => errors.aptUpdateFailed(o), false);
  const resolved = await resolve(ctx, apt, requested);
  const wanted = {
    format: SYSTEM_PACKAGES_FORMAT,
    requested: requested.join(" "),
    resolved: resolved.map((p) => `${p.name}=${p.version}`).join(" "),
    arch: ctx.arch,
  };
  const found = systemPackagesInvalidationReasons(readLayerMetadata(ctx.fs, ctx.layersDir, SYSTEM_PACKAGES_LAYER), wanted);
  if (found.length === 0 && ctx.fs.kind(layer) === "dir") {
    ctx.logger.info(text.systemPackagesReused);
  } else {
    ctx.logger.info(text.systemPackagesInstall);
    for (const reason of found) ctx.logger.info(text.cacheReason(reason));
    freshLayer(ctx.fs, ctx.layersDir, SYSTEM_PACKAGES_LAYER);
    try {
      if (resolved.length > 0) await aptStep(ctx, [...apt, "--yes", "install", "--download-only", ...requested], (o) => errors.aptDownloadFailed(o), true);
      for (const pkg of resolved) await unpack(ctx, pkg, layer);
    } catch (error) {
      ctx.fs.remove(layer);
      throw error;
    }
  }
  const libraryDirs = LIBRARY_DIRS.map((d) => path.join(layer, d)).filter((d) => ctx.fs.kind(d) === "dir");
  const libraryPath = libraryDirs.length > 0 ? libraryDirs.join(":") : undefined;
  const env = [];
  if (libraryPath !== undefined) env.push({ scope: "env.launch" as const, name: "LD_LIBRARY_PATH", action: "prepend" as const, value: libraryPath, delim: ":" });
  if (ctx.fs.kind(path.join(layer, "usr", "bin")) === "dir") env.push({ scope: "env.launch" as const, name: "PATH", action: "prepend" as const, value: path.join(layer, "usr", "bin"), delim: ":" });
  ctx.fs.remove(path.join(layer, "env.launch"));
  writeEnv(ctx.fs, layer, env);
  writeLayerToml(ctx.fs, ctx.layersDir, SYSTEM_PACKAGES_LAYER, { types: { launch: true, build: false, cache: true }, metadata: wanted });
  ctx.fs.writeFile(
    path.join(ctx.layersDir, `${SYSTEM_PACKAGES_LAYER}.sbom.cdx.json`),
    renderCycloneDx(resolved.map((p) => ({ name: p.name, version: p.version, purl: debPurl(p, ctx.arch) }))),
  );
  ctx.logger.info(text.systemPackagesReady(resolved));
  return { root: layer, libraryPath };
}

/** purl-spec's deb type: pkg:deb/debian/<name>@<version>?arch=<arch>&distro=debian-12 */
export function debPurl(p: DebPackage, arch: string): string {
  return `pkg:deb/debian/${encodeURIComponent(p.name)}@${encodeURIComponent(p.version)}?arch=${arch}&distro=debian-12`;
}

/** apt-get as the build user: state and cache in a cache-only layer, the run image's dpkg status. */
function aptCommand(ctx: SystemPackagesContext): string[] {
  const work = layerDir(ctx.layersDir, APT_CACHE_LAYER);
  for (const dir of ["lists/partial", "archives/partial"]) ctx.fs.mkdirp(path.join(work, dir));
  writeLayerToml(ctx.fs, ctx.layersDir, APT_CACHE_LAYER, { types: { launch: false, build: false, cache: true }, metadata: { format: SYSTEM_PACKAGES_FORMAT } });
  return [
    "apt-get", "-q",
    "-o", `Dir::State::Lists=${path.join(work, "lists")}`,
    "-o", `Dir::Cache=${work}`,
    "-o", `Dir::Cache::archives=${path.join(work, "archives")}`,
    "-o", `Dir::State::status=${ctx.runDpkgStatus}`,
    "-o", `Dir::Log=${work}`,
    "-o", "Debug::NoLocking=1",
    "-o", "APT::Install-Recommends=false",
    "-o", "APT::Get::AllowUnauthenticated=false",
  ];
}

async function aptStep(ctx: SystemPackagesContext, argv: string[], fail: (output: string) => string, showOutput: boolean): Promise<string> {
  ctx.logger.command(argv);
  const result = await ctx.runner.run(argv, { cwd: ctx.layersDir, env: { DEBIAN_FRONTEND: "noninteractive" } });
  if (showOutput) ctx.logger.output(result.output);
  if (result.code !== 0) throw new BuildpackError("system-packages-failed", fail(result.output.trim()));
  return result.stdout;
}

/** What apt would install on the run image: `apt-get -s install` ("Inst NAME (VERSION ..."). */
async function resolve(ctx: SystemPackagesContext, apt: string[], requested: string[]): Promise<DebPackage[]> {
  const argv = [...apt, "--simulate", "install", ...requested];
  ctx.logger.command(argv);
  const result = await ctx.runner.run(argv, { cwd: ctx.layersDir, env: { DEBIAN_FRONTEND: "noninteractive" } });
  if (result.code !== 0) {
    const unknown = [...result.output.matchAll(/Unable to locate package (\S+)/g)].map((m) => m[1] as string);
    if (unknown.length > 0) throw new BuildpackError("system-package-not-found", errors.systemPackageNotFound(unknown, TABLE));
    throw new BuildpackError("system-packages-failed", errors.aptResolveFailed(result.output.trim()));
  }
  const packages: DebPackage[] = [];
  for (const m of result.stdout.matchAll(/^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) /gm)) packages.push({ name: m[1] as string, version: m[2] as string });
  return packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function unpack(ctx: SystemPackagesContext, pkg: DebPackage, layer: string): Promise<void> {
  const archives = path.join(layerDir(ctx.layersDir, APT_CACHE_LAYER), "archives");
  // apt names the file <name>_<version with ':' as %3a>_<arch>.deb
  const prefix = `${pkg.name}_${pkg.version.replace(/:/g, "%3a")}_`;
  const deb = ctx.fs.readdir(archives).find((f) => f.startsWith(prefix) && f.endsWith(".deb"));
  if (deb === undefined) throw new BuildpackError("system-packages-failed", errors.aptDownloadFailed(`no ${prefix}*.deb in ${archives}`));
  const control = path.join(layerDir(ctx.layersDir, APT_CACHE_LAYER), "control", pkg.name);
  ctx.fs.remove(control);
  ctx.fs.mkdirp(path.dirname(control)); // dpkg-deb makes the directory, not its parents
  const controlRun = await ctx.runner.run(["dpkg-deb", "--control", path.join(archives, deb), control], { cwd: ctx.layersDir });
  if (controlRun.code !== 0) throw new BuildpackError("system-packages-failed", errors.aptDownloadFailed(controlRun.output.trim()));
  const scripts = MAINTAINER_SCRIPTS.filter((s) => ctx.fs.kind(path.join(control, s)) === "file");
  ctx.fs.remove(control);
  if (scripts.length > 0) throw new BuildpackError("system-package-scripts", errors.systemPackageNeedsScripts(pkg.name, scripts, TABLE));
  const argv = ["dpkg-deb", "--extract", path.join(archives, deb), layer];
  ctx.logger.command(argv);
  const r = await ctx.runner.run(argv, { cwd: ctx.layersDir });
  if (r.code !== 0) throw new BuildpackError("system-packages-failed", errors.aptDownloadFailed(r.output.trim()));
}

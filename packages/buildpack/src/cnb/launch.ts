// <layers>/launch.toml (Buildpack API 0.10): processes with an array command; `direct` is gone.
import * as TOML from "@iarna/toml";

export interface Process {
  type: string;
  command: string[];
  args: string[];
  default: boolean;
  workingDir: string;
}

export function renderLaunchToml(processes: readonly Process[]): string {
  return TOML.stringify({
    processes: processes.map((p) => ({
      type: p.type,
      command: [...p.command],
      args: [...p.args],
      default: p.default,
      "working-dir": p.workingDir,
    })),
  } as unknown as TOML.JsonMap);
}

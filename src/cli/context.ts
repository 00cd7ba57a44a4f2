import { join } from "node:path";
import { ApiClient } from "./api-client";
import type { FlagSpec, ParsedFlags } from "./flags";
import { Output, type Streams } from "./output";
import { configDir, DEFAULT_PROFILE, ProfileStore, resolveTarget } from "./profiles";
import { Progress } from "./progress";
import { UploadStateStore } from "./upload-state";

/** Everything a client command needs, built once from argv and the environment. */
export class CommandContext {
  readonly out: Output;
  readonly profiles: ProfileStore;
  readonly profileName: string;
  #api: ApiClient | undefined;

  constructor(
    readonly flags: ParsedFlags,
    readonly streams: Streams,
    readonly env: Record<string, string | undefined>,
  ) {
    this.out = new Output(streams, flags.booleans.has("json"));
    this.profiles = new ProfileStore(configDir(env));
    this.profileName = flags.values.get("profile") ?? env.LIGHTD_PROFILE ?? DEFAULT_PROFILE;
  }

  get json(): boolean {
    return this.out.json;
  }

  has(flag: string): boolean {
    return this.flags.booleans.has(flag);
  }

  value(flag: string): string | undefined {
    return this.flags.values.get(flag);
  }

  /** The API client for the selected profile (or LIGHTD_URL/LIGHTD_TOKEN); fails with exit 4 when there is none. */
  api(): ApiClient {
    this.#api ??= new ApiClient(resolveTarget(this.profiles, this.profileName, this.env));
    return this.#api;
  }

  /** Progress bars, drawn only when stderr is a terminal. */
  progress(): Progress {
    return new Progress(this.streams.stderrIsTTY, this.streams.err);
  }

  uploadStates(): UploadStateStore {
    return new UploadStateStore(join(this.profiles.dir, "uploads"));
  }
}

export interface ClientCommand {
  name: string;
  /** Arguments after the name, e.g. `put LOCAL [REMOTE] [-r]`. */
  usage: string;
  summary: string;
  /** Longer help for `lightd help NAME`: options and examples. */
  details?: string;
  /** Its own flags; a command without any leaves this out. */
  flags?: FlagSpec;
  run(ctx: CommandContext): Promise<number>;
}

import { Elysia } from "elysia";
import pkg from "../package.json";
import type { AppContext } from "./context";
import { acceptRule } from "./http/accept";
import { authGuard } from "./http/auth";
import { docs } from "./http/docs";
import { errorRenderer } from "./http/errors";
import { systemModule } from "./modules/system";
import { tokensModule } from "./modules/tokens";

export const VERSION: string = pkg.version;

/** Builds the HTTP application from its dependencies. Never listens, never reads the environment. */
export function createApp(ctx: AppContext) {
  const guard = authGuard(ctx.verifier, () => ctx.config.current.authorization);
  return new Elysia()
    .use(errorRenderer(ctx.logger))
    .use(acceptRule())
    .use(docs(VERSION))
    .use(systemModule(VERSION))
    .use(tokensModule(guard, ctx.tokens));
}

export type App = ReturnType<typeof createApp>;

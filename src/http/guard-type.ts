import type { authGuard } from "./auth";

/** The auth guard instance every module mounts to get the `auth` route option. */
export type AppGuard = ReturnType<typeof authGuard>;
